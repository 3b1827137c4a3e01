// Internal key representations behind sign::PublicKey / sign::PrivateKey. Each backend
// (Botan for SM2 and GOST, OpenSSL for P-256) implements these two interfaces.
#pragma once

#include <sign/crypto.hpp>

#include "crypto/curves.hpp"

#include <botan/secmem.h>

namespace Botan {
class RandomNumberGenerator;
}

namespace sign {

class PublicKeyImpl {
 public:
  virtual ~PublicKeyImpl() = default;
  virtual Suite suite() const = 0;
  virtual const detail::CurveDef& curve() const = 0;
  /// Canonical SubjectPublicKeyInfo DER (OpenSSL's form).
  virtual const Bytes& spki_der() const = 0;
  /// Uncompressed SEC1 point 04||X||Y (big-endian coordinates).
  virtual const Bytes& point() const = 0;
  virtual std::unique_ptr<Verifier> verifier(std::shared_ptr<const PublicKeyImpl> self,
                                             const SignOptions& options) const = 0;
};

class PrivateKeyImpl {
 public:
  virtual ~PrivateKeyImpl() = default;
  virtual Suite suite() const = 0;
  virtual const detail::CurveDef& curve() const = 0;
  virtual std::shared_ptr<const PublicKeyImpl> public_key() const = 0;
  /// Unencrypted PKCS#8 PrivateKeyInfo DER (OpenSSL's form).
  virtual Botan::secure_vector<std::uint8_t> pkcs8_der() const = 0;
  virtual std::unique_ptr<SigningStream> signing_stream(std::shared_ptr<const PrivateKeyImpl> self,
                                         const SignOptions& options) const = 0;
  /// "file" for keys in this process; a Signer's backend name otherwise.
  virtual std::string backend() const { return "file"; }
  virtual std::string description() const { return "PKCS#8 key"; }
  virtual bool exportable() const { return true; }
  /// The Signer behind a delegated key (nullptr for keys in this process).
  virtual const Signer* delegate() const { return nullptr; }
};

namespace detail {

/// Process-wide thread-safe random generator (the operating system's).
Botan::RandomNumberGenerator& system_rng();

// Botan backend (SM2, GOST).
/// `gost2001`: a GOST R 34.10-2001 key (suite gost2001, GOST R 34.11-94 digest) on a CryptoPro curve.
std::shared_ptr<const PublicKeyImpl> make_botan_public(const CurveDef& curve, ByteView sec1_point, bool gost2001 = false);
std::shared_ptr<const PrivateKeyImpl> make_botan_private(const CurveDef& curve,
                                                         const Botan::secure_vector<std::uint8_t>& scalar_be);
std::shared_ptr<const PrivateKeyImpl> generate_botan_private(const CurveDef& curve);

// OpenSSL backend (P-256).
std::shared_ptr<const PublicKeyImpl> make_p256_public(ByteView sec1_point);
std::shared_ptr<const PrivateKeyImpl> make_p256_private_from_pkcs8(ByteView pkcs8);
std::shared_ptr<const PrivateKeyImpl> generate_p256_private();

// Encodings shared by both backends (key_codec.cpp).
Bytes encode_spki(const CurveDef& curve, ByteView sec1_point, bool gost2001 = false);
std::shared_ptr<const PublicKeyImpl> decode_spki(ByteView der);
Botan::secure_vector<std::uint8_t> encode_pkcs8(const CurveDef& curve,
                                                const Botan::secure_vector<std::uint8_t>& scalar_be,
                                                ByteView sec1_point);
std::shared_ptr<const PrivateKeyImpl> decode_pkcs8(ByteView der);

/// GOST R 34.10-2012 verification of a digest (as output by Streebog, read little-endian).
bool gost_verify_digest(const CurveDef& curve, ByteView sec1_point, ByteView digest,
                        ByteView signature_s_r);

/// A PrivateKeyImpl over a Signer (delegated_key.cpp).
std::shared_ptr<const PrivateKeyImpl> make_delegated_private(std::shared_ptr<const Signer> signer);

/// SM2 Z value (GM/T 0003.2 §5.5) of a public key and distinguishing ID.
Bytes sm2_z(const PublicKeyImpl& key, std::string_view id);

/// SM2 verification on explicit domain parameters (for standard worked examples on test curves).
bool sm2_verify_explicit(const CurveDef& curve, ByteView sec1_point, std::string_view id,
                         ByteView message, ByteView signature_r_s_concat);

}  // namespace detail
}  // namespace sign
