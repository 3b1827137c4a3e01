// Internal: OpenSSL's GOST engine, in-process, for GOST R 34.10-2012 signing and verification
// and Streebog hashing (2-3x faster than Botan here; docs/performance.md). It is registered for
// the GOST key formats only and passed explicitly to every operation, never made the default
// for all algorithms: with `default_algorithms = ALL` OpenSSL's SM2 breaks in the same process
// (INTEROP-NOTES.md). Without the engine (not installed, or XSIGN_GOST_ENGINE=off) everything
// runs on Botan as before.
#pragma once

#include <sign/crypto.hpp>

#include <botan/secmem.h>

#include <memory>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_st EVP_MD;
typedef struct engine_st ENGINE;

namespace sign {
class PublicKeyImpl;
class PrivateKeyImpl;
}  // namespace sign

namespace sign::detail {

/// The loaded engine (once per process), or nullptr.
ENGINE* gost_engine();

/// An engine-side key; nullptr when there is no engine or it does not take the key.
using EnginePkey = std::shared_ptr<EVP_PKEY>;
EnginePkey engine_public_key(ByteView spki_der);
EnginePkey engine_private_key(const Botan::secure_vector<std::uint8_t>& pkcs8_der);

/// The public point of an engine-side key, uncompressed SEC1 (04 || X || Y, big-endian), or empty.
Bytes engine_public_point(const EnginePkey& key);

/// Streaming GOST R 34.10-2012 verification / signing with the engine's Streebog; `key` from
/// above, kept alive by `owner` (the key object that decoded it) while the stream lives.
std::unique_ptr<Verifier> engine_gost_verifier(std::shared_ptr<const PublicKeyImpl> owner, EnginePkey key, Suite suite);
std::unique_ptr<SigningStream> engine_gost_signer(std::shared_ptr<const PrivateKeyImpl> owner, EnginePkey key, Suite suite);

/// The engine's Streebog for the Digest class, or nullptr (then Botan hashes).
const EVP_MD* engine_streebog(DigestAlgorithm alg);

}  // namespace sign::detail
