// OpenSSL's GOST engine in-process (see gost_engine.hpp for why and how it is confined).
#define OPENSSL_SUPPRESS_DEPRECATED  // the ENGINE API: the GOST provider cannot decode GOST keys (INTEROP-NOTES.md)

#include "crypto/gost_engine.hpp"
#include "crypto/evp_stream.hpp"

#include <sign/error.hpp>

#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#ifndef XSIGN_GOST_ENGINE_PATH
#define XSIGN_GOST_ENGINE_PATH ""
#endif

namespace sign::detail {
namespace {

ENGINE* load_engine() {
  const char* env = std::getenv("XSIGN_GOST_ENGINE");
  if (env && (std::strcmp(env, "off") == 0 || std::strcmp(env, "0") == 0)) return nullptr;
  const std::string path = env && *env ? env : XSIGN_GOST_ENGINE_PATH;
  if (path.empty()) return nullptr;
  ENGINE_load_builtin_engines();
  ENGINE* e = ENGINE_by_id("dynamic");
  if (!e) return nullptr;
  const bool loaded = ENGINE_ctrl_cmd_string(e, "SO_PATH", path.c_str(), 0) == 1 &&
                      ENGINE_ctrl_cmd_string(e, "ID", "gost", 0) == 1 &&
                      ENGINE_ctrl_cmd_string(e, "LOAD", nullptr, 0) == 1 && ENGINE_init(e) == 1;
  if (!loaded) {
    ENGINE_free(e);
    ERR_clear_error();
    return nullptr;
  }
  // Only the GOST key encodings become known process-wide (d2i_PUBKEY, PKCS#8); signatures and
  // digests name the engine explicitly.
  ENGINE_register_pkey_asn1_meths(e);
  ENGINE_free(e);  // the functional reference from ENGINE_init keeps it loaded
  ERR_clear_error();
  return e;
}

int nid_for(Suite suite) {
  return suite == Suite::gost512 ? NID_id_GostR3411_2012_512 : NID_id_GostR3411_2012_256;
}

const EVP_MD* md_for(Suite suite) {
  ENGINE* e = gost_engine();
  return e ? ENGINE_get_digest(e, nid_for(suite)) : nullptr;
}

EnginePkey own(EVP_PKEY* k) { return k ? EnginePkey(k, EVP_PKEY_free) : nullptr; }

// The engine (3.0.1, Debian 12) builds each parameter set's EC_GROUP on first use and caches it
// in a static table without a lock: two threads decoding their first key of a set at once both
// build one, and the loser's group leaks (LeakSanitizer saw it in verify-batch). Key decoding is
// rare (each key is decoded once and cached with its certificate), so one lock costs nothing.
std::mutex& decode_mutex() {
  static std::mutex m;
  return m;
}

// OpenSSL 3 decodes a PKCS#8 key by asking every provider's decoders first and falls back to
// the engine's (legacy) decoder only when none takes it — and no provider takes a GOST key.
// Setting up those decoders was a third of a short `xsign sign` (8 M instructions). In a
// library context whose only provider is "null" there are no decoders to set up, and the
// legacy path, the one that works, is taken at once. The key it yields is the engine's as before.
OSSL_LIB_CTX* providerless_context() {
  static OSSL_LIB_CTX* const context = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c && !OSSL_PROVIDER_load(c, "null")) {
      OSSL_LIB_CTX_free(c);
      c = nullptr;
    }
    ERR_clear_error();
    return c;  // nullptr: EVP_PKCS82PKEY_ex falls back to the default context, as before
  }();
  return context;
}

}  // namespace

ENGINE* gost_engine() {
  static ENGINE* const engine = load_engine();
  return engine;
}

EnginePkey engine_public_key(ByteView spki_der) {
  if (!gost_engine()) return nullptr;
  const unsigned char* p = spki_der.data();
  const std::lock_guard lock(decode_mutex());
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  ERR_clear_error();
  return own(k);
}

EnginePkey engine_private_key(const Botan::secure_vector<std::uint8_t>& pkcs8_der) {
  if (!gost_engine()) return nullptr;
  const unsigned char* p = pkcs8_der.data();
  const std::lock_guard lock(decode_mutex());
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(pkcs8_der.size()));
  EVP_PKEY* k = info ? EVP_PKCS82PKEY_ex(info, providerless_context(), nullptr) : nullptr;
  PKCS8_PRIV_KEY_INFO_free(info);
  ERR_clear_error();
  return own(k);
}

Bytes engine_public_point(const EnginePkey& key) {
  // A GOST key of the engine is a legacy EVP_PKEY around an EC_KEY; the engine computed its
  // public point when it decoded the private key (constant-time EC_POINT_mul).
  const auto* ec = key ? static_cast<const EC_KEY*>(EVP_PKEY_get0(key.get())) : nullptr;
  const EC_GROUP* group = ec ? EC_KEY_get0_group(ec) : nullptr;
  const EC_POINT* point = ec ? EC_KEY_get0_public_key(ec) : nullptr;
  if (!group || !point) return {};
  Bytes out(EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, nullptr, 0, nullptr));
  if (out.empty() ||
      EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), nullptr) != out.size()) {
    ERR_clear_error();
    return {};
  }
  return out;
}

std::unique_ptr<Verifier> engine_gost_verifier(std::shared_ptr<const PublicKeyImpl> owner, EnginePkey key, Suite suite) {
  const EVP_MD* md = md_for(suite);
  if (!key || !md) return nullptr;
  return evp_verifier(std::move(owner), key.get(), {md, gost_engine(), "GOST engine"});
}

std::unique_ptr<SigningStream> engine_gost_signer(std::shared_ptr<const PrivateKeyImpl> owner, EnginePkey key, Suite suite) {
  const EVP_MD* md = md_for(suite);
  if (!key || !md) return nullptr;
  return evp_signer(std::move(owner), key.get(), {md, gost_engine(), "GOST engine"});
}

const EVP_MD* engine_streebog(DigestAlgorithm alg) {
  if (alg != DigestAlgorithm::streebog256 && alg != DigestAlgorithm::streebog512) return nullptr;
  return md_for(alg == DigestAlgorithm::streebog512 ? Suite::gost512 : Suite::gost256);
}

}  // namespace sign::detail
