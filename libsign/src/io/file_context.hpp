// Internal: prefixes errors raised while handling a file with the file's name.
#pragma once

#include <sign/error.hpp>

#include <string>

namespace sign::detail {

/// Runs fn; a FormatError, PassphraseError or UsageError from it is rethrown, same type,
/// as "PATH: message" so that the user knows which file was at fault.
template <typename Fn>
auto with_file_context(const std::string& path, Fn&& fn) {
  try {
    return fn();
  } catch (const PassphraseError& e) {
    throw PassphraseError(path + ": " + e.what());
  } catch (const FormatError& e) {
    throw FormatError(path + ": " + e.what());
  } catch (const UsageError& e) {
    throw UsageError(path + ": " + e.what());
  }
}

}  // namespace sign::detail
