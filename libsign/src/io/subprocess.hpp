// Internal: runs a shell command with input on stdin and bounded output, for external signers.
#pragma once

#include <sign/crypto.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace sign::detail {

struct ProcessResult {
  int exit_status = -1;  ///< exit code, or 128 + signal number
  bool timed_out = false;
  bool output_too_large = false;
  Bytes output;          ///< standard output (standard error goes to ours)
};

/// Runs `/bin/sh -c command` with `environment` added to ours, writes `input` to its standard
/// input and reads its standard output (at most `max_output` bytes); kills it after `timeout`.
ProcessResult run_shell_command(const std::string& command,
                                const std::vector<std::pair<std::string, std::string>>& environment,
                                ByteView input, std::size_t max_output, std::chrono::milliseconds timeout);

}  // namespace sign::detail
