// Exceptions thrown by libsign. A validation outcome is never an exception: it is data.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <stdexcept>
#include <string>

namespace sign {

/// Base of every exception libsign throws; what() is a message a user can act on.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// The caller asked for something that does not exist or does not fit (unknown suite, bad option).
class UsageError : public Error {
 public:
  using Error::Error;
};

/// Input bytes are malformed: not PEM, not DER, wrong structure, unsupported algorithm.
class FormatError : public Error {
 public:
  using Error::Error;
};

/// A passphrase was needed and is missing or does not open the key.
class PassphraseError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A file the caller named does not exist or cannot be opened for reading.
class NoInputError : public IoError {
 public:
  using IoError::IoError;
};

/// A key outside this process (a PKCS#11 token, an external signing command) failed, refused,
/// or answered with a signature that does not verify.
class SignerError : public Error {
 public:
  using Error::Error;
};

/// A cryptographic backend failed in a way that is not the input's fault.
class InternalError : public Error {
 public:
  using Error::Error;
};

}  // namespace sign
