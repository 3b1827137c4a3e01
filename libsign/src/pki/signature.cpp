#include "pki/signature.hpp"

#include <botan/bigint.h>
#include <botan/der_enc.h>

#include <algorithm>
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
  // Keyed by the key, algorithm and signature value (short); the signed bytes are stored and
  // compared whole, so that no digest of a certificate's TBS is computed on every look-up and
  // a signature moved onto other bytes never finds the memo of the bytes it signed.
  struct Entry {
    Bytes tbs;
    bool ok;
  };
  static std::mutex mutex;
  static std::unordered_map<std::string, Entry> memo;
  constexpr std::size_t kMaxEntries = 8192;
  const Bytes& spki = key.to_der();
  std::string id;
  id.reserve(spki.size() + sig_alg_oid.size() + signature.size() + 2);
  id.append(reinterpret_cast<const char*>(spki.data()), spki.size()).append(1, '\0').append(sig_alg_oid).append(1, '\0');
  id.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  {
    std::lock_guard lock(mutex);
    if (const auto it = memo.find(id); it != memo.end() && std::ranges::equal(it->second.tbs, tbs)) return it->second.ok;
  }
  const bool ok = verify_tbs(key, sig_alg_oid, tbs, signature);
  std::lock_guard lock(mutex);
  if (memo.size() >= kMaxEntries) memo.clear();  // simple bound; a full reset costs one re-check each
  memo.insert_or_assign(std::move(id), Entry{Bytes(tbs.begin(), tbs.end()), ok});
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
