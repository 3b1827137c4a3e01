// The bounded per-thread memo (libsign/src/support) that keeps values derived from names,
// certificate pairs, OIDs and paths: what it remembers, when it forgets, and that a failure
// is never remembered.
#include <catch2/catch.hpp>

#include "support/per_thread_memo.hpp"

#include <stdexcept>
#include <string>
#include <thread>

using sign::detail::PerThreadMemo;

TEST_CASE("The per-thread memo makes a value once per key, forgets all at its bound, and never keeps a failure", "[memo]") {
  PerThreadMemo<std::string, 4> memo;
  int made = 0;
  auto make = [&](std::string v) {
    return [&made, v] {
      ++made;
      return v;
    };
  };
  CHECK(memo.get("a", make("A")) == "A");
  CHECK(memo.get("a", make("other")) == "A");  // kept: the second maker is not called
  CHECK(made == 1);
  // Keys are byte strings: embedded NULs and prefixes are distinct keys.
  CHECK(memo.get(std::string_view("a\0b", 3), make("A0B")) == "A0B");
  CHECK(memo.get("ab", make("AB")) == "AB");
  CHECK(made == 3);
  // A maker that throws leaves nothing behind: the next call makes the value.
  CHECK_THROWS_AS(memo.get("x", []() -> std::string { throw std::runtime_error("no"); }), std::runtime_error);
  CHECK(memo.get("x", make("X")) == "X");
  CHECK(made == 4);
  // Four entries held (a, a\0b, ab, x): the fifth clears them all first.
  CHECK(memo.get("y", make("Y")) == "Y");
  CHECK(memo.get("a", make("A again")) == "A again");
  CHECK(made == 6);
}

TEST_CASE("A thread_local memo is each thread's own", "[memo]") {
  auto value_in_this_thread = [](const std::string& v) {
    thread_local PerThreadMemo<std::string> memo;
    return memo.get("key", [&] { return v; });
  };
  CHECK(value_in_this_thread("main") == "main");
  std::string other;
  std::thread([&] { other = value_in_this_thread("worker"); }).join();
  CHECK(other == "worker");
  CHECK(value_in_this_thread("ignored") == "main");
}
