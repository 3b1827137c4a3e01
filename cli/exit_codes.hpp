// Process exit codes of `xsign`, documented in docs/cli.md. They follow sysexits(3) for errors.
#pragma once

#include <sign/validate.hpp>

namespace xsign {

enum ExitCode : int {
  kExitOk = 0,             ///< success; for verify: every signature TOTAL-PASSED
  kExitFailed = 1,         ///< verification failed (invalid signature, TOTAL-FAILED)
  kExitIndeterminate = 2,  ///< verification could not conclude (INDETERMINATE)
  kExitUsage = 64,         ///< bad command line: unknown option, suite, missing argument
  kExitDataError = 65,     ///< input is malformed (not a key, bad PEM/DER) or wrong passphrase
  kExitNoInput = 66,       ///< an input file does not exist or cannot be opened
  kExitUnavailable = 69,   ///< a key's token or external signing command failed or answered wrongly
  kExitInternal = 70,      ///< a bug or backend failure; please report it
  kExitIoError = 74,       ///< reading or writing a file failed
};

/// The exit code of a verdict: 0 passed, 1 failed, 2 indeterminate.
inline int exit_code_of(sign::Indication verdict) {
  switch (verdict) {
    case sign::Indication::total_passed: return kExitOk;
    case sign::Indication::total_failed: return kExitFailed;
    case sign::Indication::indeterminate: return kExitIndeterminate;
  }
  return kExitIndeterminate;
}

}  // namespace xsign
