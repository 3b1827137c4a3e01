// Reusable EVP sign/verify streams (see evp_stream.hpp).
#include "crypto/evp_stream.hpp"

#include <sign/error.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>

namespace sign::detail {

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (!code) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The initialised template and the working copy every message runs on.
class ReusableContext {
 public:
  ReusableContext(std::shared_ptr<const void> owner, const EvpAlgorithm& alg)
      : owner_(std::move(owner)), label_(alg.label), template_(EVP_MD_CTX_new()), ctx_(EVP_MD_CTX_new()) {
    if (!template_ || !ctx_) fail("out of memory");
  }
  EVP_MD_CTX* initial() { return template_.get(); }
  // Called once the template is initialised. Each message runs on a copy and is finalised
  // once, so OpenSSL need not duplicate the key context at every final call to keep the
  // context usable (EVP_MD_CTX_FLAG_FINALISE; copies carry the flag).
  void prepared() {
    EVP_MD_CTX_set_flags(template_.get(), EVP_MD_CTX_FLAG_FINALISE);
    reset();
  }
  EVP_MD_CTX* get() { return ctx_.get(); }
  void reset() {
    if (EVP_MD_CTX_copy_ex(ctx_.get(), template_.get()) != 1) fail("reset");
  }
  [[noreturn]] void fail(const char* step) const { fail(step, openssl_error()); }
  [[noreturn]] void fail(const char* step, const std::string& why) const {
    throw InternalError(std::string(label_) + ": " + step + " failed: " + why);
  }

 private:
  std::shared_ptr<const void> owner_;
  const char* label_;
  MdCtxPtr template_, ctx_;
};

class EvpVerifier final : public Verifier {
 public:
  EvpVerifier(std::shared_ptr<const void> owner, EVP_PKEY* key, const EvpAlgorithm& alg) : ctx_(std::move(owner), alg) {
    if (EVP_DigestVerifyInit(ctx_.initial(), nullptr, alg.md, alg.engine, key) != 1) ctx_.fail("verify init");
    ctx_.prepared();
  }
  void update(ByteView data) override {
    if (EVP_DigestVerifyUpdate(ctx_.get(), data.data(), data.size()) != 1) ctx_.fail("verify update");
  }
  bool verify(ByteView signature) override {
    const int rc = EVP_DigestVerifyFinal(ctx_.get(), signature.data(), signature.size());
    ERR_clear_error();  // a malformed signature leaves errors queued; it is just "invalid"
    ctx_.reset();
    return rc == 1;
  }
  bool reusable() const override { return true; }

 private:
  ReusableContext ctx_;
};

class EvpSigner final : public SigningStream {
 public:
  EvpSigner(std::shared_ptr<const void> owner, EVP_PKEY* key, const EvpAlgorithm& alg) : ctx_(std::move(owner), alg) {
    if (EVP_DigestSignInit(ctx_.initial(), nullptr, alg.md, alg.engine, key) != 1) ctx_.fail("sign init");
    ctx_.prepared();
    // The largest signature the key makes, known once: asking at every signature (a final
    // call without a buffer) makes OpenSSL encode a dummy ECDSA signature to find it.
    const int size = EVP_PKEY_get_size(key);
    max_size_ = size > 0 ? static_cast<std::size_t>(size) : 0;
  }
  void update(ByteView data) override {
    if (EVP_DigestSignUpdate(ctx_.get(), data.data(), data.size()) != 1) ctx_.fail("sign update");
  }
  Bytes sign() override {
    std::size_t len = max_size_;
    bool ok = len || EVP_DigestSignFinal(ctx_.get(), nullptr, &len) == 1;
    Bytes sig(ok ? len : 0);
    ok = ok && EVP_DigestSignFinal(ctx_.get(), sig.data(), &len) == 1;
    const std::string why = ok ? std::string() : openssl_error();
    ctx_.reset();  // the next message starts afresh, whatever became of this one
    if (!ok) ctx_.fail("sign", why);
    sig.resize(len);
    return sig;
  }
  bool reusable() const override { return true; }

 private:
  ReusableContext ctx_;
  std::size_t max_size_ = 0;
};

}  // namespace

std::unique_ptr<Verifier> evp_verifier(std::shared_ptr<const void> owner, EVP_PKEY* key, const EvpAlgorithm& alg) {
  return std::make_unique<EvpVerifier>(std::move(owner), key, alg);
}

std::unique_ptr<SigningStream> evp_signer(std::shared_ptr<const void> owner, EVP_PKEY* key, const EvpAlgorithm& alg) {
  return std::make_unique<EvpSigner>(std::move(owner), key, alg);
}

}  // namespace sign::detail
