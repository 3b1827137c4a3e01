// Internal: streaming signing and verification on an OpenSSL EVP_PKEY (P-256 on the default
// provider, GOST on the engine), set up once per key and copied for every message.
#pragma once

#include <sign/crypto.hpp>

#include <memory>
#include <string>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_st EVP_MD;
typedef struct engine_st ENGINE;

namespace sign::detail {

/// What an operation runs with: the digest, the engine that implements it (nullptr: the
/// providers) and a name for error messages ("OpenSSL ECDSA", "GOST engine").
struct EvpAlgorithm {
  const EVP_MD* md;
  ENGINE* engine;
  const char* label;
};

/// `owner` keeps `key` alive as long as the stream lives. Both streams are reusable: after
/// verify()/sign() they start over from a copy of the initialised context, which skips the
/// algorithm fetch and key set-up a fresh EVP_DigestSign/VerifyInit would pay.
std::unique_ptr<Verifier> evp_verifier(std::shared_ptr<const void> owner, EVP_PKEY* key, const EvpAlgorithm& alg);
std::unique_ptr<SigningStream> evp_signer(std::shared_ptr<const void> owner, EVP_PKEY* key, const EvpAlgorithm& alg);

/// The first queued OpenSSL error as text (the queue is cleared).
std::string openssl_error();

}  // namespace sign::detail
