// The helpers of libsign/src/support: the bounded per-thread memo that keeps values derived
// from names, certificate pairs, OIDs and paths (what it remembers, when it forgets, that a
// failure is never remembered), and the C libraries opened on first use.
#include <catch2/catch.hpp>

#include <sign/error.hpp>

#include "support/lazy_library.hpp"
#include "support/per_thread_memo.hpp"

#include <zlib.h>

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

TEST_CASE("A library opened on first use calls through, and a missing one or a missing symbol is a usage error naming the package", "[lazy]") {
  const sign::detail::LazyLibrary zlib("libz.so.1", "zlib1g", "this test");
  // A real call through the resolved pointer, typed from the header.
  const auto version = reinterpret_cast<decltype(&::zlibVersion)>(zlib.symbol("zlibVersion"));
  CHECK(std::string(version()) == ZLIB_VERSION);
  const uLong crc = reinterpret_cast<decltype(&::crc32)>(zlib.symbol("crc32"))(0, reinterpret_cast<const Bytef*>("abc"), 3);
  CHECK(crc == 0x352441c2UL);
  try {
    (void)zlib.symbol("no_such_function_in_zlib");
    FAIL("a missing symbol was found");
  } catch (const sign::UsageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("libz.so.1 lacks no_such_function_in_zlib") && Catch::Contains("zlib1g"));
  }
  const sign::detail::LazyLibrary missing("libxsign-no-such-library.so.7", "xsign-nothing", "signing in this test");
  for (int attempt = 0; attempt < 2; ++attempt) {  // a failure is not remembered as success
    try {
      (void)missing.symbol("anything");
      FAIL("a missing library was opened");
    } catch (const sign::UsageError& e) {
      CHECK_THAT(e.what(), Catch::Contains("signing in this test needs libxsign-no-such-library.so.7") &&
                               Catch::Contains("Debian package xsign-nothing"));
    }
  }
}
