// Streaming digests. SM3 comes from Botan; Streebog from OpenSSL's GOST engine when it is loaded
// (crypto/gost_engine.hpp), else from Botan. SHA-256 (and SHA-1 for OCSP) come from Botan when
// its code runs on the CPU's SHA extensions — as fast as OpenSSL's here, and without OpenSSL's
// first algorithm fetch (about 1.5 ms, an eighth of a short GOST or SM2 `xsign` process, which
// needs SHA-256 only for certificate fingerprints) — else from OpenSSL's libcrypto, whose
// vectorised code is faster than Botan's portable one.
#include <sign/crypto.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include "crypto/gost_engine.hpp"

#include <botan/hash.h>
#include <openssl/evp.h>

#include <array>
#include <string_view>

namespace sign {

struct Digest::Impl {
  std::unique_ptr<Botan::HashFunction> botan;
  EVP_MD_CTX* evp = nullptr;
  const EVP_MD* md = nullptr;
  ENGINE* engine = nullptr;

  ~Impl() { EVP_MD_CTX_free(evp); }

  void init_evp(const EVP_MD* which, ENGINE* e = nullptr) {
    md = which;
    engine = e;
    evp = EVP_MD_CTX_new();
    if (!evp) throw InternalError("out of memory creating a digest context");
    reset_evp();
  }
  void reset_evp() {
    if (EVP_DigestInit_ex(evp, md, engine) != 1) throw InternalError("OpenSSL digest initialisation failed");
  }
};

namespace {

constexpr std::size_t kDigestAlgorithms = static_cast<std::size_t>(DigestAlgorithm::gost94) + 1;

// A Botan hash made from a per-thread prototype: HashFunction::create looks the name up in
// Botan's registry every time (a signature hashes the document and its attributes).
std::unique_ptr<Botan::HashFunction> botan_hash(DigestAlgorithm alg, const char* name) {
  thread_local std::array<std::unique_ptr<Botan::HashFunction>, kDigestAlgorithms> prototypes;
  auto& prototype = prototypes.at(static_cast<std::size_t>(alg));
  if (!prototype) prototype = Botan::HashFunction::create_or_throw(name);
  return std::unique_ptr<Botan::HashFunction>(prototype->clone());
}

bool botan_sha_uses_cpu_extensions() {
  static const bool yes = [] {
    const auto sha256 = Botan::HashFunction::create("SHA-256");
    return sha256 && sha256->provider() == "shani";
  }();
  return yes;
}

}  // namespace

Digest::Digest(DigestAlgorithm alg) : alg_(alg), impl_(std::make_unique<Impl>()) {
  switch (alg) {
    case DigestAlgorithm::sm3: impl_->botan = botan_hash(alg, "SM3"); break;
    // Streebog on OpenSSL's GOST engine when it is loaded (faster here), else on Botan.
    case DigestAlgorithm::streebog256:
    case DigestAlgorithm::streebog512:
      if (const EVP_MD* md = detail::engine_streebog(alg)) impl_->init_evp(md, detail::gost_engine());
      else impl_->botan = botan_hash(alg, alg == DigestAlgorithm::streebog256 ? "Streebog-256" : "Streebog-512");
      break;
    case DigestAlgorithm::sha256:
      if (botan_sha_uses_cpu_extensions()) impl_->botan = botan_hash(alg, "SHA-256");
      else impl_->init_evp(EVP_sha256());
      break;
    case DigestAlgorithm::sha1:
      if (botan_sha_uses_cpu_extensions()) impl_->botan = botan_hash(alg, "SHA-1");
      else impl_->init_evp(EVP_sha1());
      break;
    // Botan's GOST 34.11 uses the CryptoPro S-boxes (1.2.643.2.2.30.1), as CryptoPro CSP does.
    case DigestAlgorithm::gost94: impl_->botan = botan_hash(alg, "GOST-R-34.11-94"); break;
  }
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(ByteView data) {
  if (impl_->botan) {
    impl_->botan->update(data.data(), data.size());
  } else if (EVP_DigestUpdate(impl_->evp, data.data(), data.size()) != 1) {
    throw InternalError("OpenSSL digest update failed");
  }
}

Bytes Digest::finish() {
  if (impl_->botan) {
    Bytes out(impl_->botan->output_length());
    impl_->botan->final(out.data());
    return out;
  }
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->evp, out.data(), &len) != 1)
    throw InternalError("OpenSSL digest finalisation failed");
  out.resize(len);
  impl_->reset_evp();
  return out;
}

Bytes digest_stream(DigestAlgorithm alg, std::istream& in) {
  Digest digest(alg);
  for_each_chunk(in, [&](ByteView chunk) { digest.update(chunk); }, "document");
  return digest.finish();
}

Bytes digest_bytes(DigestAlgorithm alg, ByteView data) {
  Digest digest(alg);
  digest.update(data);
  return digest.finish();
}

}  // namespace sign
