// What every fuzz target shares: the rule that hostile input may only ever end in a
// sign::Error (a clear error for the user) or a result. Any other exception escaping the
// library is a bug and is reported to libFuzzer as a crash, as are sanitizer findings.
#pragma once

#include <sign/error.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <typeinfo>
#include <vector>

namespace fuzzing {

using Bytes = std::vector<std::uint8_t>;

inline Bytes bytes(const std::uint8_t* data, std::size_t size) { return Bytes(data, data + size); }

template <typename Fn>
void guarded(Fn&& fn) {
  try {
    fn();
  } catch (const sign::Error&) {
    // Expected: the input was refused with a message a person can act on.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "foreign exception escaped libsign: %s: %s\n", typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "unknown exception escaped libsign\n");
    std::abort();
  }
}

}  // namespace fuzzing
