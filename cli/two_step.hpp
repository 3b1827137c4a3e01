// Air-gapped signing in two steps: `xsign sign --prepare TBS` writes what must be signed (the
// DER signed attributes) and a state file; the signature is made elsewhere (an offline machine,
// a token tool); `xsign sign --complete SIG --prepared TBS` assembles the CMS from it.
#pragma once

#include <sign/crypto.hpp>
#include <sign/pki.hpp>

#include <memory>
#include <string>

namespace xsign {

/// Thrown by the preparing signer once it has the to-be-signed bytes: signing stops there.
struct PreparedStop {
  sign::Bytes to_be_signed;
};

/// What `--prepare` records beside the to-be-signed bytes (TBS.json).
struct PreparedState {
  std::string document;         ///< path as given
  std::string document_sha256;  ///< the document must not change before --complete
  std::string signing_time;     ///< RFC 3339; --complete states the same time
  std::string certificate_sha256;
  std::string sm2_id;
  sign::Bytes to_be_signed;
};

/// A key that only captures what it is asked to sign (throws PreparedStop).
sign::PrivateKey preparing_key(const sign::PublicKey& public_key);

/// A key that answers with `signature` when asked to sign exactly `to_be_signed`.
sign::PrivateKey completing_key(const sign::PublicKey& public_key, sign::Bytes to_be_signed, sign::Bytes signature);

/// Hex SHA-256 of a file, streamed.
std::string file_sha256(const std::string& path);

/// Writes TBS (raw bytes) and TBS.json; refuses to replace existing files unless --force.
void write_prepared(const std::string& tbs_path, const PreparedState& state, const sign::PublicKey& key,
                    const std::string& digest_hex);

/// Reads TBS.json and checks it against TBS.
PreparedState read_prepared(const std::string& tbs_path);

}  // namespace xsign
