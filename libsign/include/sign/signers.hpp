// Keys that live outside this process: PKCS#11 tokens and HSMs, external signing commands,
// and the key references the CLI and CA directories use to name any key.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/crypto.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sign {

// ---------------------------------------------------------------------------------------------
// External signing commands

struct ExternalSignerOptions {
  /// What the command reads on standard input: the to-be-signed bytes or their digest.
  Signer::Input input = Signer::Input::message;
  /// The command is killed after this long (a PIN dialog or a remote service may take a while).
  std::chrono::seconds timeout{120};
};

/// A Signer that runs `command` with /bin/sh for every signature. It gets the to-be-signed
/// bytes (or their digest) on standard input and this environment: XSIGN_SUITE (sm2, gost256,
/// gost512, p256), XSIGN_DIGEST (sm3, streebog256, streebog512, sha256), XSIGN_DIGEST_OID,
/// XSIGN_INPUT (message or digest), XSIGN_DIGEST_HEX (the digest, SM2: of Z || M),
/// XSIGN_SM2_ID (SM2 only) and XSIGN_PUBLIC_KEY (PEM). It prints the signature on standard
/// output: binary or hex, in the suite's encoding or a raw form (docs/keys.md); its standard
/// error is passed through. A non-zero exit or a timeout is a SignerError.
std::shared_ptr<const Signer> external_signer(std::string command, PublicKey public_key,
                                              ExternalSignerOptions options = {});

// ---------------------------------------------------------------------------------------------
// PKCS#11

/// How to reach a PKCS#11 key besides its URI.
struct Pkcs11Options {
  /// The module (shared library); a URI's module-path takes precedence. Empty: the
  /// XSIGN_PKCS11_MODULE environment variable, else an error.
  std::string module;
  /// Asked for the user PIN when the URI has no pin-value / pin-source and the token needs one.
  PassphraseProvider pin;
  /// SM2 mechanisms are vendor-defined: "sign=0x...,mode=digest|message[,keygen=0x...,keytype=0x...]"
  /// (docs/keys.md). Empty: the XSIGN_PKCS11_SM2 environment variable.
  std::string sm2_mechanisms;
};

struct Pkcs11Token {
  unsigned long slot = 0;
  std::string label, manufacturer, model, serial;
  bool login_required = false;
  bool initialized = false;
  std::string uri;  ///< pkcs11:token=...;manufacturer=...;serial=...
  std::vector<std::string> signing_suites;  ///< suites the token's mechanisms can sign
};

struct Pkcs11KeyInfo {
  std::string token_label;
  std::string label;
  std::string id_hex;
  std::optional<Suite> suite;      ///< empty: a key type xsign does not sign with
  std::optional<PublicKey> public_key;
  bool sensitive = false;          ///< CKA_SENSITIVE
  bool extractable = true;         ///< CKA_EXTRACTABLE
  std::string uri;                 ///< pkcs11:token=...;object=...;id=...;type=private
};

/// Tokens present in the module's slots.
std::vector<Pkcs11Token> pkcs11_tokens(const Pkcs11Options& options);

/// Private keys on the tokens the URI selects ("pkcs11:" = every token); logs in when needed.
std::vector<Pkcs11KeyInfo> pkcs11_keys(const std::string& uri, const Pkcs11Options& options);

/// Generates a key pair on the token the URI names (token=..., object=LABEL, optional id=...):
/// private half CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, never CKA_EXTRACTABLE. Refuses when an
/// object with that label or id exists, and when the token reports the key extractable.
Pkcs11KeyInfo pkcs11_generate_key(const std::string& uri, Suite suite, const Pkcs11Options& options,
                                  std::string_view curve_oid = {});

/// The key the URI names (RFC 7512: token, object, id, pin-source, pin-value, module-path);
/// exactly one private key must match.
std::shared_ptr<const Signer> open_pkcs11_key(const std::string& uri, const Pkcs11Options& options);

// ---------------------------------------------------------------------------------------------
// Key references: how the CLI, CA directories and servers name a key.

struct KeyReferenceOptions {
  PassphraseProvider passphrase;     ///< PKCS#8 passphrase, or the token PIN
  Pkcs11Options pkcs11;              ///< its `pin` defaults to `passphrase`
  std::optional<PublicKey> public_key;  ///< external signers: the key's public half
  std::chrono::seconds external_timeout{120};
};

/// True for "pkcs11:", "ext:" and "ext-digest:" references (keys outside this process).
bool is_key_reference(std::string_view reference);

/// Opens a key by reference: a PKCS#8 file path, a pkcs11: URI, "ext:COMMAND" (the command
/// reads the to-be-signed bytes) or "ext-digest:COMMAND" (it reads their digest). External
/// signers need options.public_key.
PrivateKey open_private_key(const std::string& reference, const KeyReferenceOptions& options);

/// The reference that reopens a key (empty for PKCS#8 keys, which are files of their own).
/// PKCS#11 references carry the module path and never a PIN.
std::string key_reference(const PrivateKey& key);

}  // namespace sign
