// ECDSA P-256 on OpenSSL's libcrypto, several times faster here than Botan's (bench/).
#include <sign/error.hpp>

#include "crypto/evp_stream.hpp"
#include "crypto/key_impl.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace sign::detail {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

const CurveDef& p256_curve() { return *find_curve(oid::p256_curve); }

// SHA-256 fetched from the provider once: EVP_sha256() is looked up again by name at every
// signature and verification (a hash-table walk under a lock, ~3 % of a P-256 signature).
const EVP_MD* sha256() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();  // never freed: it lives as long as the process
  }();
  return md;
}

constexpr const char* kLabel = "OpenSSL ECDSA";

class P256PublicKey final : public PublicKeyImpl {
 public:
  P256PublicKey(Bytes point, Bytes spki, PkeyPtr key)
      : point_(std::move(point)), spki_(std::move(spki)), key_(std::move(key)) {}
  Suite suite() const override { return Suite::p256; }
  const CurveDef& curve() const override { return p256_curve(); }
  const Bytes& spki_der() const override { return spki_; }
  const Bytes& point() const override { return point_; }
  std::unique_ptr<Verifier> verifier(std::shared_ptr<const PublicKeyImpl> self,
                                     const SignOptions&) const override {
    return evp_verifier(std::move(self), key_.get(), {sha256(), nullptr, kLabel});
  }

 private:
  Bytes point_;
  Bytes spki_;
  PkeyPtr key_;
};

// Normalises any OpenSSL public key to our canonical uncompressed SPKI.
std::shared_ptr<const PublicKeyImpl> public_from_pkey(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw InternalError("OpenSSL could not encode a P-256 public key: " + openssl_error());
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  return decode_spki(spki);
}

class P256PrivateKey final : public PrivateKeyImpl {
 public:
  explicit P256PrivateKey(PkeyPtr key) : key_(std::move(key)), public_(public_from_pkey(key_.get())) {}
  Suite suite() const override { return Suite::p256; }
  const CurveDef& curve() const override { return p256_curve(); }
  std::shared_ptr<const PublicKeyImpl> public_key() const override { return public_; }

  Botan::secure_vector<std::uint8_t> pkcs8_der() const override {
    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key_.get());
    if (!info) throw InternalError("OpenSSL could not encode a P-256 key: " + openssl_error());
    unsigned char* der = nullptr;
    const int len = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
    PKCS8_PRIV_KEY_INFO_free(info);
    if (len <= 0) throw InternalError("OpenSSL could not encode a P-256 key: " + openssl_error());
    Botan::secure_vector<std::uint8_t> out(der, der + len);
    OPENSSL_clear_free(der, static_cast<std::size_t>(len));
    return out;
  }

  std::unique_ptr<SigningStream> signing_stream(std::shared_ptr<const PrivateKeyImpl> self,
                                 const SignOptions&) const override {
    return evp_signer(std::move(self), key_.get(), {sha256(), nullptr, kLabel});
  }

 private:
  PkeyPtr key_;
  std::shared_ptr<const PublicKeyImpl> public_;
};

}  // namespace

std::shared_ptr<const PublicKeyImpl> make_p256_public(ByteView sec1_point) {
  const auto& curve = p256_curve();
  // Botan checks the point is on the curve and yields the uncompressed form either way.
  Botan::PointGFp point;
  try {
    point = Botan::OS2ECP(sec1_point.data(), sec1_point.size(), curve_arithmetic(curve).curve);
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("public key is not a valid P-256 point: ") + e.what());
  }
  if (point.is_zero() || !point.on_the_curve()) throw FormatError("public key is not a P-256 point");
  Bytes uncompressed = point.encode(Botan::PointGFp::UNCOMPRESSED);
  Bytes spki = encode_spki(curve, uncompressed);
  const unsigned char* p = spki.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!key) throw FormatError("OpenSSL rejected the P-256 public key: " + openssl_error());
  return std::make_shared<P256PublicKey>(std::move(uncompressed), std::move(spki), std::move(key));
}

std::shared_ptr<const PrivateKeyImpl> make_p256_private_from_pkcs8(ByteView pkcs8) {
  const unsigned char* p = pkcs8.data();
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(pkcs8.size()));
  if (!info) throw FormatError("not a valid P-256 PKCS#8 key: " + openssl_error());
  PkeyPtr key(EVP_PKCS82PKEY(info));
  PKCS8_PRIV_KEY_INFO_free(info);
  if (!key) throw FormatError("not a valid P-256 private key: " + openssl_error());
  char group[64] = {};
  std::size_t group_len = 0;
  if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &group_len) != 1 ||
      std::string_view(group) != "prime256v1")
    throw FormatError("EC private key is not on P-256 (curve '" + std::string(group) + "')");
  return std::make_shared<P256PrivateKey>(std::move(key));
}

std::shared_ptr<const PrivateKeyImpl> generate_p256_private() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throw InternalError("OpenSSL P-256 key generation failed: " + openssl_error());
  return std::make_shared<P256PrivateKey>(std::move(key));
}

}  // namespace sign::detail
