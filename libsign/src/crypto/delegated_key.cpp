// PrivateKey over a sign::Signer: keys that live on a token, behind a command, or in an
// application's own service. libsign prepares what the device must sign (the message, or its
// digest with SM2's Z prefix), and checks every signature the device returns before using it.
#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include "crypto/key_impl.hpp"

#include <botan/hash.h>
#include <botan/sm2.h>

namespace sign::detail {
namespace {

// To-be-signed data is small (signed attributes, a TBSCertificate, a CRL's TBS); a device is
// never handed more than this.
constexpr std::size_t kMaxToBeSigned = 256 * 1024 * 1024;

Bytes der_from_raw_r_s(ByteView raw) {
  const std::size_t n = raw.size() / 2;
  const Bytes r = integer_der(raw.first(n)), s = integer_der(raw.subspan(n));
  return sequence({r, s});
}

// The encodings devices and tools print, most likely first; the first that verifies is kept.
std::vector<Bytes> candidate_encodings(Suite suite, const CurveDef& curve, ByteView sig) {
  std::vector<Bytes> out{Bytes(sig.begin(), sig.end())};
  const std::size_t n = field_bytes(curve);
  if (sig.size() != 2 * n) return out;
  if (suite == Suite::sm2 || suite == Suite::p256) {
    out.push_back(der_from_raw_r_s(sig));  // PKCS#11 CKM_ECDSA, SKF and most SM2 tokens: r || s
  } else {
    out.emplace_back(sig.rbegin(), sig.rend());  // CryptoAPI (CryptoPro CSP): reversed s || r
    Bytes r_s(sig.begin() + n, sig.end());      // r || s, as some tools print GOST
    r_s.insert(r_s.end(), sig.begin(), sig.begin() + n);
    out.push_back(std::move(r_s));
  }
  return out;
}

class DelegatedStream final : public SigningStream {
 public:
  DelegatedStream(std::shared_ptr<const PrivateKeyImpl> owner, const Signer& signer, SignOptions options)
      : owner_(std::move(owner)), signer_(signer), options_(std::move(options)) {}

  void update(ByteView data) override {
    if (message_.size() + data.size() > kMaxToBeSigned)
      throw UsageError("more than 256 MiB to be signed by " + signer_.description());
    message_.insert(message_.end(), data.begin(), data.end());
  }

  Bytes sign() override {
    const PublicKey pub(owner_->public_key());
    Bytes tbs;
    if (signer_.input() == Signer::Input::digest) {
      tbs = digest_to_sign(pub, message_, options_);
    } else {
      tbs = message_;
    }
    const Bytes raw = signer_.sign(tbs, options_);
    for (auto& candidate : candidate_encodings(signer_.suite(), pub.impl().curve(), raw))
      if (pub.verify(message_, candidate, options_)) {
        message_.clear();
        return candidate;
      }
    message_.clear();
    throw SignerError(signer_.description() + " returned a signature that does not verify with its public key (" +
                      std::to_string(raw.size()) + " bytes, " + to_hex(ByteView(raw).first(std::min<std::size_t>(raw.size(), 8))) +
                      "...): wrong key, wrong suite or digest, or an encoding xsign does not know (docs/keys.md)");
  }
  bool reusable() const override { return true; }

 private:
  std::shared_ptr<const PrivateKeyImpl> owner_;
  const Signer& signer_;
  SignOptions options_;
  Bytes message_;
};

class DelegatedKey final : public PrivateKeyImpl {
 public:
  explicit DelegatedKey(std::shared_ptr<const Signer> signer)
      : signer_(std::move(signer)), public_(decode_spki(signer_->public_key().to_der())) {
    if (public_->suite() != signer_->suite())
      throw UsageError(signer_->description() + ": its public key is " + std::string(suite_name(public_->suite())) +
                       ", the signer says " + std::string(suite_name(signer_->suite())));
    if (suite_info(signer_->suite()).verify_only)
      throw UsageError(std::string(suite_info(signer_->suite()).description) + " is for verification only");
  }
  Suite suite() const override { return signer_->suite(); }
  const CurveDef& curve() const override { return public_->curve(); }
  std::shared_ptr<const PublicKeyImpl> public_key() const override { return public_; }
  Botan::secure_vector<std::uint8_t> pkcs8_der() const override {
    throw UsageError("the key lives outside xsign (" + signer_->description() + ") and cannot be exported or written to a file");
  }
  std::unique_ptr<SigningStream> signing_stream(std::shared_ptr<const PrivateKeyImpl> self,
                                                const SignOptions& options) const override {
    return std::make_unique<DelegatedStream>(std::move(self), *signer_, options);
  }
  std::string backend() const override { return std::string(signer_->backend()); }
  std::string description() const override { return signer_->description(); }
  bool exportable() const override { return false; }
  const Signer* delegate() const override { return signer_.get(); }

 private:
  std::shared_ptr<const Signer> signer_;
  std::shared_ptr<const PublicKeyImpl> public_;
};

}  // namespace

std::shared_ptr<const PrivateKeyImpl> make_delegated_private(std::shared_ptr<const Signer> signer) {
  if (!signer) throw UsageError("no signer given");
  return std::make_shared<DelegatedKey>(std::move(signer));
}

Bytes sm2_z(const PublicKeyImpl& key, std::string_view id) {
  if (id.size() > 8191) throw UsageError("SM2 distinguishing ID is longer than 8191 bytes (GM/T 0003 ENTL limit)");
  const auto& group = botan_group(key.curve());
  auto sm3 = Botan::HashFunction::create_or_throw("SM3");
  const auto z = Botan::sm2_compute_za(*sm3, std::string(id), group, group.OS2ECP(key.point()));
  return Bytes(z.begin(), z.end());
}

}  // namespace sign::detail
