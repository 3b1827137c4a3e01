// SM2 and GOST R 34.10-2012 keys on Botan. Botan's own key encodings are never used
// (they are not OpenSSL-compatible for these algorithms); key_codec.cpp does the encoding.
#include <sign/error.hpp>

#include "crypto/gost_engine.hpp"
#include "crypto/key_impl.hpp"

#include <botan/gost_3410.h>

#include <mutex>
#include <botan/pubkey.h>
#include <botan/sm2.h>
#include <botan/system_rng.h>

namespace sign::detail {

Botan::RandomNumberGenerator& system_rng() {
  static Botan::System_RNG rng;
  return rng;
}

namespace {

Bytes point_bytes(const Botan::PointGFp& point) {
  return point.encode(Botan::PointGFp::UNCOMPRESSED);
}

// Botan parses the SM2 ID and hash from one "ID,HASH" string and cuts at the first comma.
std::string sm2_params(std::string_view id) {
  if (id.find(',') != std::string_view::npos)
    throw UsageError("SM2 distinguishing IDs containing ',' are not supported");
  if (id.size() > 8191)
    throw UsageError("SM2 distinguishing ID is longer than 8191 bytes (GM/T 0003 ENTL limit)");
  return std::string(id) + ",SM3";
}

// GOST signs the Streebog digest of the message; Botan's "Raw" padding hands the digest
// bytes to the primitive, which reads them as a little-endian integer (GOST R 34.10-2012 §6.1).
class GostSigner final : public SigningStream {
 public:
  GostSigner(std::shared_ptr<const PrivateKeyImpl> owner, const Botan::Private_Key& key,
             DigestAlgorithm digest)
      : owner_(std::move(owner)), digest_(digest), signer_(key, system_rng(), "Raw") {}
  void update(ByteView data) override { digest_.update(data); }
  Bytes sign() override { return signer_.sign_message(digest_.finish(), system_rng()); }
  bool reusable() const override { return true; }

 private:
  std::shared_ptr<const PrivateKeyImpl> owner_;
  Digest digest_;
  Botan::PK_Signer signer_;
};

// GOST verification is done here on Botan's point arithmetic: Botan 2.19 compares the x
// coordinate of R with r without reducing it mod q, so signatures on the cofactor-4 curves
// (TC26 256-A, 512-C), where p is about 4q, fail there (docs/interop.md).
bool gost_verify(const Botan::EC_Group& group, const Botan::PointGFp& public_point,
                 ByteView digest, ByteView signature) {
  const std::size_t n = group.get_order_bytes();
  if (signature.size() != 2 * n) return false;
  const Botan::BigInt s(signature.data(), n);  // GOST R 34.10-2012: signature is s || r
  const Botan::BigInt r(signature.data() + n, n);
  const Botan::BigInt& q = group.get_order();
  if (r.is_zero() || r >= q || s.is_zero() || s >= q) return false;
  // The digest is read as a little-endian integer (GOST R 34.10-2012 §6.1 step 2).
  const Bytes be(digest.rbegin(), digest.rend());
  Botan::BigInt e = group.mod_order(Botan::BigInt(be.data(), be.size()));
  if (e.is_zero()) e = 1;
  const Botan::BigInt v = group.inverse_mod_order(e);
  const Botan::BigInt z1 = group.multiply_mod_order(s, v);
  const Botan::BigInt z2 = group.multiply_mod_order(q - r, v);
  const Botan::PointGFp c = Botan::multi_exponentiate(group.get_base_point(), z1, public_point, z2);
  if (c.is_zero()) return false;
  return group.mod_order(c.get_affine_x()) == r;
}

class GostVerifier final : public Verifier {
 public:
  // `botan_key` is set for cofactor-1 curves: Botan's operation (with precomputed point
  // multiples) then answers first, and only a "no" is checked again exactly by gost_verify,
  // since Botan's missing reduction can only turn a valid signature into a rejection.
  GostVerifier(std::shared_ptr<const PublicKeyImpl> owner, const Botan::EC_Group& group,
               const Botan::PointGFp& public_point, DigestAlgorithm digest, const Botan::Public_Key* botan_key)
      : owner_(std::move(owner)), group_(group), public_point_(public_point), digest_(digest) {
    if (botan_key) fast_ = std::make_unique<Botan::PK_Verifier>(*botan_key, "Raw");
  }
  void update(ByteView data) override { digest_.update(data); }
  bool verify(ByteView signature) override {
    const Bytes hash = digest_.finish();
    if (fast_) {
      try {
        if (fast_->verify_message(hash.data(), hash.size(), signature.data(), signature.size())) return true;
      } catch (const Botan::Exception&) {
        // fall through to the exact check
      }
    }
    return gost_verify(group_, public_point_, hash, signature);
  }
  bool reusable() const override { return true; }

 private:
  std::shared_ptr<const PublicKeyImpl> owner_;
  const Botan::EC_Group& group_;
  Botan::PointGFp public_point_;
  Digest digest_;
  std::unique_ptr<Botan::PK_Verifier> fast_;
};

// SM2 hashes Z_A || M itself, so the message streams straight into Botan.
class Sm2Signer final : public SigningStream {
 public:
  Sm2Signer(std::shared_ptr<const PrivateKeyImpl> owner, const Botan::Private_Key& key,
            std::string_view id)
      : owner_(std::move(owner)),
        signer_(key, system_rng(), sm2_params(id), Botan::DER_SEQUENCE) {}
  void update(ByteView data) override { signer_.update(data.data(), data.size()); }
  Bytes sign() override { return signer_.signature(system_rng()); }
  bool reusable() const override { return true; }

 private:
  std::shared_ptr<const PrivateKeyImpl> owner_;
  Botan::PK_Signer signer_;
};

class Sm2Verifier final : public Verifier {
 public:
  Sm2Verifier(std::shared_ptr<const PublicKeyImpl> owner, const Botan::Public_Key& key,
              std::string_view id, Botan::Signature_Format format = Botan::DER_SEQUENCE)
      : owner_(std::move(owner)), verifier_(key, sm2_params(id), format) {}
  void update(ByteView data) override { verifier_.update(data.data(), data.size()); }
  // After an exception Botan may keep the message it was fed: such an object is not reused.
  bool reusable() const override { return !broken_; }
  bool verify(ByteView signature) override {
    try {
      return verifier_.check_signature(signature.data(), signature.size());
    } catch (const Botan::Exception&) {
      broken_ = true;
      return false;  // malformed DER signature: a failed verification, not an error
    }
  }

 private:
  std::shared_ptr<const PublicKeyImpl> owner_;
  Botan::PK_Verifier verifier_;
  bool broken_ = false;
};

bool is_gost(const CurveDef& curve) { return curve.info.suite != Suite::sm2; }

// The Botan key object verification uses: SM2 always; GOST on cofactor-1 curves only (see
// GostVerifier).
std::unique_ptr<Botan::Public_Key> make_botan_public_key(const CurveDef& curve, const Botan::PointGFp& point) {
  if (!is_gost(curve)) return std::make_unique<Botan::SM2_PublicKey>(botan_group(curve), point);
  if (curve.cofactor != "1") return nullptr;
  return std::make_unique<Botan::GOST_3410_PublicKey>(botan_group(curve), point);
}

std::unique_ptr<Botan::EC_PrivateKey> make_private(const CurveDef& curve, const Botan::BigInt& x) {
  const auto& group = botan_group(curve);
  if (is_gost(curve)) return std::make_unique<Botan::GOST_3410_PrivateKey>(system_rng(), group, x);
  return std::make_unique<Botan::SM2_PrivateKey>(system_rng(), group, x);
}

Botan::PointGFp decode_point(const CurveDef& curve, ByteView sec1_point) {
  // The curve's arithmetic, not its group: a key that is only decoded, shown or verified on the
  // GOST engine never pays for the group's base-point tables (botan_group).
  const auto& arithmetic = curve_arithmetic(curve);
  Botan::PointGFp point;
  try {
    point = Botan::OS2ECP(sec1_point.data(), sec1_point.size(), arithmetic.curve);
  } catch (const Botan::Exception& e) {
    throw FormatError("public key is not a valid point on " + std::string(curve.info.name) +
                      ": " + e.what());
  }
  if (point.is_zero() || !point.on_the_curve())
    throw FormatError("public key is not a point on " + std::string(curve.info.name));
  // Curves with a cofactor: the point must lie in the prime-order subgroup.
  if (curve.cofactor != "1" && !(point * arithmetic.order).is_zero())
    throw FormatError("public key is not in the prime-order subgroup of " +
                      std::string(curve.info.name));
  return point;
}

class BotanPublicKey final : public PublicKeyImpl {
 public:
  BotanPublicKey(const CurveDef& curve, const Botan::PointGFp& point, bool gost2001 = false)
      : curve_(curve),
        suite_(gost2001 ? Suite::gost2001 : curve.info.suite),
        point_(point),
        point_bytes_(point_bytes(point)),
        spki_(encode_spki(curve, point_bytes_, gost2001)),
        // GOST R 34.10-2012 verifies on OpenSSL's GOST engine when it is there (2001 on Botan).
        for_engine_(is_gost(curve) && !gost2001) {}

  Suite suite() const override { return suite_; }
  const CurveDef& curve() const override { return curve_; }
  const Bytes& spki_der() const override { return spki_; }
  const Bytes& point() const override { return point_bytes_; }

  std::unique_ptr<Verifier> verifier(std::shared_ptr<const PublicKeyImpl> self,
                                     const SignOptions& options) const override {
    // The engine's copy of the key is made on first use: a key that is only shown or compared
    // (and a process that never verifies GOST) does not load the engine.
    if (for_engine_) {
      std::call_once(engine_once_, [&] { engine_key_ = engine_public_key(spki_); });
      if (engine_key_)
        if (auto v = engine_gost_verifier(self, engine_key_, suite_)) return v;
    }
    // Botan's key object (and with it the curve's group) is made on first use as well.
    std::call_once(botan_once_, [&] { botan_key_ = make_botan_public_key(curve_, point_); });
    if (is_gost(curve_))
      return std::make_unique<GostVerifier>(std::move(self), botan_group(curve_), point_,
                                            suite_info(suite_).digest, botan_key_.get());
    return std::make_unique<Sm2Verifier>(std::move(self), *botan_key_, options.sm2_id);
  }

 private:
  const CurveDef& curve_;
  Suite suite_;
  Botan::PointGFp point_;
  Bytes point_bytes_;
  Bytes spki_;
  bool for_engine_;
  mutable std::once_flag engine_once_;
  mutable EnginePkey engine_key_;
  mutable std::once_flag botan_once_;
  mutable std::unique_ptr<Botan::Public_Key> botan_key_;
};

class BotanPrivateKey final : public PrivateKeyImpl {
 public:
  // Only the scalar is kept from the start; the public key, Botan's key object (with the curve's
  // group) and the engine's key are each made on first use, so signing on the GOST engine never
  // builds Botan's base-point tables.
  BotanPrivateKey(const CurveDef& curve, Botan::BigInt x) : curve_(curve), x_(std::move(x)) {}

  Suite suite() const override { return curve_.info.suite; }
  const CurveDef& curve() const override { return curve_; }
  std::shared_ptr<const PublicKeyImpl> public_key() const override {
    std::call_once(public_once_, [&] { public_ = std::make_shared<BotanPublicKey>(curve_, public_point()); });
    return public_;
  }

  Botan::secure_vector<std::uint8_t> pkcs8_der() const override {
    const auto scalar = Botan::BigInt::encode_1363(x_, field_bytes(curve_));
    // GOST's PKCS#8 holds the scalar alone; SM2's (RFC 5915) carries the public point too.
    return encode_pkcs8(curve_, scalar, is_gost(curve_) ? ByteView{} : ByteView(public_key()->point()));
  }

  std::unique_ptr<SigningStream> signing_stream(std::shared_ptr<const PrivateKeyImpl> self,
                                 const SignOptions& options) const override {
    if (const auto& k = engine_key())
      if (auto s = engine_gost_signer(self, k, curve_.info.suite)) return s;
    if (is_gost(curve_))
      return std::make_unique<GostSigner>(std::move(self), botan_key(), suite_info(curve_.info.suite).digest);
    return std::make_unique<Sm2Signer>(std::move(self), botan_key(), options.sm2_id);
  }

 private:
  // The engine's copy of a GOST key (nullptr without the engine, and for SM2).
  const EnginePkey& engine_key() const {
    if (is_gost(curve_)) std::call_once(engine_once_, [&] { engine_key_ = engine_private_key(pkcs8_der()); });
    return engine_key_;
  }
  const Botan::EC_PrivateKey& botan_key() const {
    std::call_once(botan_once_, [&] { botan_key_ = make_private(curve_, x_); });
    return *botan_key_;
  }
  Botan::PointGFp public_point() const {
    if (const auto& k = engine_key())
      if (const Bytes point = engine_public_point(k); !point.empty()) return decode_point(curve_, point);
    return botan_key().public_point();
  }

  const CurveDef& curve_;
  Botan::BigInt x_;
  mutable std::once_flag public_once_;
  mutable std::shared_ptr<const BotanPublicKey> public_;
  mutable std::once_flag engine_once_;
  mutable EnginePkey engine_key_;
  mutable std::once_flag botan_once_;
  mutable std::unique_ptr<Botan::EC_PrivateKey> botan_key_;
};

}  // namespace

std::shared_ptr<const PublicKeyImpl> make_botan_public(const CurveDef& curve, ByteView sec1_point, bool gost2001) {
  return std::make_shared<BotanPublicKey>(curve, decode_point(curve, sec1_point), gost2001);
}

std::shared_ptr<const PrivateKeyImpl> make_botan_private(
    const CurveDef& curve, const Botan::secure_vector<std::uint8_t>& scalar_be) {
  const Botan::BigInt x(scalar_be.data(), scalar_be.size());
  const auto& order = curve_arithmetic(curve).order;
  if (x.is_zero() || x >= order)
    throw FormatError("private key value is out of range for " + std::string(curve.info.name));
  return std::make_shared<BotanPrivateKey>(curve, x);
}

std::shared_ptr<const PrivateKeyImpl> generate_botan_private(const CurveDef& curve) {
  const auto& order = curve_arithmetic(curve).order;
  // SM2 needs x in [1, n-2] (the signature uses (1+x)^-1); GOST any x in [1, q-1].
  const Botan::BigInt x = Botan::BigInt::random_integer(system_rng(), 1, order - 1);
  return std::make_shared<BotanPrivateKey>(curve, x);
}

bool gost_verify_digest(const CurveDef& curve, ByteView sec1_point, ByteView digest,
                        ByteView signature) {
  return gost_verify(botan_group(curve), decode_point(curve, sec1_point), digest, signature);
}

bool sm2_verify_explicit(const CurveDef& curve, ByteView sec1_point, std::string_view id,
                         ByteView message, ByteView signature_r_s_concat) {
  const auto point = decode_point(curve, sec1_point);
  Botan::SM2_PublicKey key(botan_group(curve), point);
  Sm2Verifier verifier(nullptr, key, id, Botan::IEEE_1363);
  verifier.update(message);
  return verifier.verify(signature_r_s_concat);
}

}  // namespace sign::detail
