// sign::PublicKey and sign::PrivateKey: the public face of the key backends.
#include <sign/asn1.hpp>
#include <sign/crypto.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include "crypto/key_impl.hpp"
#include "crypto/pairwise.hpp"
#include "io/file_context.hpp"

#include <unordered_map>

namespace sign {
namespace {

constexpr std::string_view kPublicLabel = "PUBLIC KEY";
constexpr std::string_view kPrivateLabel = "PRIVATE KEY";
constexpr std::string_view kEncryptedLabel = "ENCRYPTED PRIVATE KEY";

std::string_view as_text(const Bytes& data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

}  // namespace

// ------------------------------------------------------------------------------- PublicKey

PublicKey::PublicKey(std::shared_ptr<const PublicKeyImpl> impl) : impl_(std::move(impl)) {}

PublicKey PublicKey::from_der(ByteView spki) { return PublicKey(detail::decode_spki(spki)); }

PublicKey PublicKey::from_pem(std::string_view pem) {
  return from_der(pem_blocks_labelled(pem, {kPublicLabel}).front());
}

PublicKey PublicKey::load(const std::string& path) {
  const Bytes data = read_file(path);
  return detail::with_file_context(path, [&] {
    return looks_like_pem(data) ? from_pem(as_text(data)) : from_der(data);
  });
}

Suite PublicKey::suite() const { return impl_->suite(); }
std::string PublicKey::curve_oid() const { return std::string(impl_->curve().info.oid); }
std::size_t PublicKey::bits() const { return impl_->curve().info.order_bits; }
Bytes PublicKey::to_der() const { return impl_->spki_der(); }
std::string PublicKey::to_pem() const { return pem_encode(impl_->spki_der(), kPublicLabel); }
Bytes PublicKey::point() const { return impl_->point(); }

std::string PublicKey::fingerprint() const {
  return to_hex(digest_bytes(DigestAlgorithm::sha256, impl_->spki_der()));
}

std::unique_ptr<Verifier> PublicKey::verifier(const SignOptions& options) const {
  return impl_->verifier(impl_, options);
}

namespace {

// One-shot signing and verification reuse the backend objects of the keys a thread uses most:
// building an SM2 or GOST operation (Z value, precomputed multiples of the points) costs about
// a fifth of a verification. The cached objects hold their key; the cache is small and per thread.
template <typename Impl, typename Op>
class OneShotCache {
 public:
  template <typename Make>
  Op& get(const Impl* key, const std::string& sm2_id, Make&& make) {
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.first == sm2_id && it->second.second->reusable()) return *it->second.second;
    if (entries_.size() >= 64) entries_.clear();
    auto op = make();
    Op& ref = *op;
    if (op->reusable()) entries_[key] = {sm2_id, std::move(op)};
    else transient_ = std::move(op);
    return ref;
  }

 private:
  std::unordered_map<const Impl*, std::pair<std::string, std::unique_ptr<Op>>> entries_;
  std::unique_ptr<Op> transient_;  // a non-reusable op lives until the next call
};

}  // namespace

bool PublicKey::verify(ByteView message, ByteView signature, const SignOptions& options) const {
  thread_local OneShotCache<PublicKeyImpl, Verifier> cache;
  Verifier& v = cache.get(impl_.get(), options.sm2_id, [&] { return verifier(options); });
  v.update(message);
  return v.verify(signature);
}

bool PublicKey::operator==(const PublicKey& other) const {
  return impl_->spki_der() == other.impl_->spki_der();
}

// ------------------------------------------------------------------------------ PrivateKey

PrivateKey::PrivateKey(std::shared_ptr<const PrivateKeyImpl> impl) : impl_(std::move(impl)) {}

PrivateKey PrivateKey::generate(Suite suite, std::string_view curve_oid) {
  if (suite_info(suite).verify_only)
    throw UsageError(std::string(suite_info(suite).description) +
                     ": no new keys (signing with GOST R 34.10-2001 ended on 2019-12-31); use gost256 or gost512");
  const std::string_view oid = curve_oid.empty() ? suite_info(suite).default_curve_oid : curve_oid;
  const auto* curve = detail::find_curve(oid);
  if (!curve || curve->info.suite != suite)
    throw UsageError("parameter set " + std::string(oid) + " is not one of suite " +
                     std::string(suite_name(suite)) + "'s (see `xsign version`)");
  if (curve->info.test_only)
    throw UsageError("refusing to generate a key on the test curve " + std::string(curve->info.name));
  PrivateKey key(suite == Suite::p256 ? detail::generate_p256_private() : detail::generate_botan_private(*curve));
  detail::check_pairwise(key, {});
  return key;
}

PrivateKey PrivateKey::from_pkcs8_der(ByteView der) {
  PrivateKey key(detail::decode_pkcs8(der));
  detail::check_pairwise(key, der);
  return key;
}

Suite PrivateKey::suite() const { return impl_->suite(); }
std::string PrivateKey::curve_oid() const { return std::string(impl_->curve().info.oid); }
PublicKey PrivateKey::public_key() const { return PublicKey(impl_->public_key()); }

PrivateKey PrivateKey::from_signer(std::shared_ptr<const Signer> signer) {
  return PrivateKey(detail::make_delegated_private(std::move(signer)));
}

std::string PrivateKey::backend() const { return impl_->backend(); }
std::string PrivateKey::description() const { return impl_->description(); }
bool PrivateKey::exportable() const { return impl_->exportable(); }

Bytes PrivateKey::to_pkcs8_der() const {
  const auto der = impl_->pkcs8_der();
  return Bytes(der.begin(), der.end());
}

std::string PrivateKey::to_pem() const {
  const auto der = impl_->pkcs8_der();
  return pem_encode({der.data(), der.size()}, kPrivateLabel);
}

std::unique_ptr<SigningStream> PrivateKey::signing_stream(const SignOptions& options) const {
  return impl_->signing_stream(impl_, options);
}

Bytes PrivateKey::sign(ByteView message, const SignOptions& options) const {
  thread_local OneShotCache<PrivateKeyImpl, SigningStream> cache;
  SigningStream& s = cache.get(impl_.get(), options.sm2_id, [&] { return signing_stream(options); });
  s.update(message);
  return s.sign();
}

Bytes digest_to_sign(const PublicKey& key, ByteView message, const SignOptions& options) {
  Digest d(suite_info(key.suite()).digest);
  if (key.suite() == Suite::sm2) d.update(detail::sm2_z(key.impl(), options.sm2_id));
  d.update(message);
  return d.finish();
}

bool is_encrypted_private_key_pem(std::string_view pem) {
  return pem.find("-----BEGIN " + std::string(kEncryptedLabel) + "-----") != std::string_view::npos;
}

// Defined in pkcs8_encryption.cpp.
namespace detail {
Bytes decrypt_pkcs8(ByteView encrypted_der, std::string_view passphrase);
Bytes encrypt_pkcs8(const Botan::secure_vector<std::uint8_t>& der, std::string_view passphrase,
                    std::size_t iterations);
}  // namespace detail

std::string PrivateKey::to_encrypted_pem(std::string_view passphrase,
                                         std::size_t pbkdf2_iterations) const {
  if (passphrase.empty()) throw UsageError("refusing to encrypt a key with an empty passphrase");
  return pem_encode(detail::encrypt_pkcs8(impl_->pkcs8_der(), passphrase, pbkdf2_iterations),
                    kEncryptedLabel);
}

PrivateKey PrivateKey::from_pem(std::string_view pem, const PassphraseProvider& passphrase) {
  // A key file holds one key and nothing else: junk around it means a damaged or tampered file.
  const auto blocks = pem_decode_all(pem);
  if (blocks.size() > 1) throw FormatError("a key file must hold one PEM block, this one has " + std::to_string(blocks.size()));
  const auto first = pem.find("-----BEGIN ");
  const auto last_end = pem.rfind("-----END ");
  const auto after = last_end == std::string_view::npos ? pem.size() : pem.find("-----", last_end + 9);
  auto blank = [](std::string_view t) { return t.find_first_not_of(" \t\r\n") == std::string_view::npos; };
  if (first != std::string_view::npos && (!blank(pem.substr(0, first)) ||
                                          (after != std::string_view::npos && !blank(pem.substr(after + 5)))))
    throw FormatError("unexpected text before or after the PEM key block (damaged or altered key file)");
  for (const auto& block : blocks) {
    if (block.label == kPrivateLabel) return from_pkcs8_der(block.der);
    if (block.label == kEncryptedLabel) {
      if (!passphrase) throw PassphraseError("the key is encrypted and no passphrase was given");
      std::string pass = passphrase();
      Bytes der = detail::decrypt_pkcs8(block.der, pass);
      std::fill(pass.begin(), pass.end(), '\0');
      try {
        PrivateKey key = from_pkcs8_der(der);
        std::fill(der.begin(), der.end(), 0);
        return key;
      } catch (const FormatError&) {
        // 1 in 256 wrong passphrases still yields valid CBC padding; the DER then is garbage.
        std::fill(der.begin(), der.end(), 0);
        throw PassphraseError("wrong passphrase (or the encrypted key is damaged)");
      }
    }
    if (block.label == "EC PRIVATE KEY")
      throw FormatError("SEC1 'EC PRIVATE KEY' is not supported; convert it with "
                        "`openssl pkcs8 -topk8 -in KEY -out key.pem`");
  }
  throw FormatError("no PEM block 'PRIVATE KEY' or 'ENCRYPTED PRIVATE KEY' found");
}

PrivateKey PrivateKey::load(const std::string& path, const PassphraseProvider& passphrase) {
  const Bytes data = read_file(path);
  return detail::with_file_context(path, [&] {
    if (looks_like_pem(data)) return from_pem(as_text(data), passphrase);
    return from_pkcs8_der(data);
  });
}

}  // namespace sign
