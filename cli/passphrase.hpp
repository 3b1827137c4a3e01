// Where a passphrase comes from: --pass-file, --pass-env, or an interactive prompt.
// Passphrases are never taken from argv, where other users can read them.
#pragma once

#include <sign/crypto.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace xsign {

struct PassphraseOptions {
  std::string file;
  std::string env;
  int fd = -1;
  bool no_encrypt = false;
  // Keys outside files (add_key_source_options): PKCS#11 module, SM2 vendor mechanisms,
  // how long an external signer may take.
  std::string pkcs11_module;
  std::string pkcs11_sm2;
  unsigned ext_timeout = 120;
};

/// Shortest passphrase accepted for a new key typed on a terminal.
inline constexpr std::size_t kMinNewPassphrase = 8;

/// Adds --pass-file, --pass-fd and --pass-env; with_no_encrypt also adds --no-encrypt (for commands that write keys).
void add_passphrase_options(CLI::App& cmd, PassphraseOptions& opts, bool with_no_encrypt);

/// Provider for opening an existing key: file, env, or a prompt on the terminal.
sign::PassphraseProvider passphrase_for_reading(const PassphraseOptions& opts,
                                                const std::string& key_path);

/// Passphrase for a key about to be written (prompted twice when interactive, at least
/// kMinNewPassphrase characters).
std::string passphrase_for_writing(const PassphraseOptions& opts, const std::string& what);

/// A passphrase source named in one string: "file:PATH", "env:VAR", "fd:N" or "prompt"
/// (per-key sources of `xsign serve --key-pass`).
sign::PassphraseProvider passphrase_from_spec(const std::string& spec, const std::string& what);

/// Adds --pkcs11-module, --pkcs11-sm2 and --ext-timeout to a command that opens keys.
void add_key_source_options(CLI::App& cmd, PassphraseOptions& opts);

/// Opens a key by reference (a file, a pkcs11: URI, ext:COMMAND): the passphrase or token PIN
/// from opts; `public_key` is what an external signer signs for (from --cert or --pubkey).
sign::PrivateKey open_key(const std::string& reference, const PassphraseOptions& opts,
                          std::optional<sign::PublicKey> public_key = std::nullopt);

}  // namespace xsign
