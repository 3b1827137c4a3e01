#include "pki/signature.hpp"

#include <botan/bigint.h>
#include <botan/der_enc.h>

#include <mutex>
#include <unordered_map>

namespace sign::detail {

Botan::AlgorithmIdentifier signature_algorithm(Suite suite) {
  return Botan::AlgorithmIdentifier(Botan::OID(std::string(suite_info(suite).signature_oid)),
                                    Botan::AlgorithmIdentifier::USE_EMPTY_PARAM);
}

std::optional<Suite> suite_for_signature_oid(std::string_view oid) {
  for (const auto& s : all_suites())
    if (s.signature_oid == oid) return s.suite;
  if (oid == "1.2.643.7.1.1.1.1") return Suite::gost256;
  if (oid == "1.2.643.7.1.1.1.2") return Suite::gost512;
  if (oid == "1.2.643.2.2.19") return Suite::gost2001;  // the key OID, as RFC 4490 CMS writes it
  return std::nullopt;
}

Bytes sign_tbs(const PrivateKey& key, ByteView tbs) { return key.sign(tbs); }

bool verify_tbs(const PublicKey& key, std::string_view sig_alg_oid, ByteView tbs,
                ByteView signature) {
  const auto suite = suite_for_signature_oid(sig_alg_oid);
  if (!suite || *suite != key.suite()) return false;
  return key.verify(tbs, signature);
}

bool verify_tbs_cached(const PublicKey& key, std::string_view sig_alg_oid, ByteView tbs, ByteView signature) {
  static std::mutex mutex;
  static std::unordered_map<std::string, bool> memo;
  constexpr std::size_t kMaxEntries = 8192;
  Digest d(DigestAlgorithm::sha256);
  d.update(key.to_der());
  d.update({reinterpret_cast<const std::uint8_t*>(sig_alg_oid.data()), sig_alg_oid.size()});
  d.update(tbs);
  d.update(signature);
  const Bytes h = d.finish();
  const std::string id(h.begin(), h.end());
  {
    std::lock_guard lock(mutex);
    if (const auto it = memo.find(id); it != memo.end()) return it->second;
  }
  const bool ok = verify_tbs(key, sig_alg_oid, tbs, signature);
  std::lock_guard lock(mutex);
  if (memo.size() >= kMaxEntries) memo.clear();  // simple bound; a full reset costs one re-check each
  memo.emplace(id, ok);
  return ok;
}

Bytes assemble_signed(ByteView tbs, const Botan::AlgorithmIdentifier& alg, ByteView signature) {
  Bytes der;
  Botan::DER_Encoder(der)
      .start_cons(Botan::SEQUENCE)
      .raw_bytes(tbs.data(), tbs.size())
      .encode(alg)
      .encode(signature.data(), signature.size(), Botan::BIT_STRING)
      .end_cons();
  return der;
}

Bytes name_der(const std::vector<std::uint8_t>& bits) {
  if (!bits.empty() && bits[0] == 0x30) return Bytes(bits.begin(), bits.end());
  Bytes der;
  Botan::DER_Encoder(der).start_cons(Botan::SEQUENCE).raw_bytes(bits).end_cons();
  return der;
}

Botan::BigInt to_bigint(ByteView be) { return Botan::BigInt(be.data(), be.size()); }

}  // namespace sign::detail
