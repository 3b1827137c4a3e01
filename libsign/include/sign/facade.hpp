// The common jobs in one header: sign a file or a buffer, co-sign, verify with a trust store
// and a policy. Everything here is built on the module headers (cms, validate, tsp), which
// stay available for advanced use.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/crypto.hpp>
#include <sign/error.hpp>
#include <sign/validate.hpp>

#include <string>

namespace sign::facade {

/// What to sign with. The suite comes from the key.
struct SignerRef {
  std::string key;          ///< key file (PEM or DER PKCS#8, encrypted or not), a pkcs11: URI
                            ///< (module from module-path or $XSIGN_PKCS11_MODULE), or ext:COMMAND
  std::string passphrase;   ///< for an encrypted key, or the token PIN; empty when none is needed
  std::string certificate;  ///< the signer's certificate (PEM or DER)
  std::string chain;        ///< optional: CA certificates to embed (PEM bundle)
  std::string sm2_id = "1234567812345678";  ///< SM2 distinguishing ID (GM/T 0009 default)
};

/// How to sign.
struct SignSettings {
  bool attached = false;  ///< embed the document (default: detached .p7s)
  std::string tsa_url;    ///< when set, level T: a signature time-stamp from this TSA
};

/// Signs `document` (a file, streamed) into `signature_out` (written atomically; an existing
/// file is replaced). Throws sign::Error with a message a user can act on.
void sign_file(const std::string& document, const SignerRef& signer, const std::string& signature_out,
               const SignSettings& settings = {});

/// Signs bytes in memory; returns the DER SignedData.
Bytes sign_buffer(ByteView document, const SignerRef& signer, const SignSettings& settings = {});

/// Adds a signature to an existing .p7s (updated in place). `document` is needed for a
/// detached signature and ignored for an attached one. Every existing signer must still verify
/// over the document, or nothing is written.
void cosign_file(const std::string& signature, const std::string& document, const SignerRef& signer);

/// Where trust comes from.
struct VerifySettings {
  std::string trust;   ///< trust directory or PEM bundle of your own roots (required)
  std::string policy;  ///< optional policy.toml (default: the trust directory's, else defaults)
  bool fetch = false;  ///< fetch revocation data named by the certificates
  std::string at;      ///< optional validation time, "YYYY-MM-DD[THH:MM:SSZ]"
};

/// A verification's outcome.
struct Verification {
  Indication indication = Indication::indeterminate;  ///< overall: the worst signature
  ValidationReport report;                            ///< every signature, path, revocation
  std::string json;                                   ///< the report as JSON (docs/verify.md)
  std::string text;                                   ///< the report for people
};

/// Verifies `signature` over `document` (empty for an attached signature). A malformed
/// signature file is a verdict (TOTAL-FAILED / FORMAT_FAILURE), not an exception; missing
/// files and unusable trust stores throw sign::Error.
Verification verify_file(const std::string& document, const std::string& signature, const VerifySettings& settings);

}  // namespace sign::facade
