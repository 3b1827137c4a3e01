// Where a passphrase comes from: --pass-file, --pass-env, or an interactive prompt.
// Passphrases are never taken from argv, where other users can read them.
#pragma once

#include <sign/crypto.hpp>

#include <CLI/CLI.hpp>

#include <string>

namespace xsign {

struct PassphraseOptions {
  std::string file;
  std::string env;
  bool no_encrypt = false;
};

/// Adds --pass-file and --pass-env; with_no_encrypt also adds --no-encrypt (for commands that write keys).
void add_passphrase_options(CLI::App& cmd, PassphraseOptions& opts, bool with_no_encrypt);

/// Provider for opening an existing key: file, env, or a prompt on the terminal.
sign::PassphraseProvider passphrase_for_reading(const PassphraseOptions& opts,
                                                const std::string& key_path);

/// Passphrase for a key about to be written (prompted twice when interactive).
std::string passphrase_for_writing(const PassphraseOptions& opts, const std::string& what);

}  // namespace xsign
