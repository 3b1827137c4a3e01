// Pairwise consistency of private keys (FIPS 140-3 style): a key file whose public key does
// not belong to its private scalar loads "fine" and then every signature made with it fails,
// or worse, verifies under a key nobody expects. Checked on every key loaded and generated.
#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include "crypto/curves.hpp"
#include "crypto/pairwise.hpp"

#include <algorithm>
#include <string>

namespace sign::detail {
namespace {

// The contents of a BIT STRING TLV without its unused-bits octet (which must be 0).
Bytes bit_string_bits(const ByteSource& src, const DerNode& n) {
  Bytes v = der_content(src, n);
  if (v.empty() || v[0] != 0) throw FormatError("malformed public key BIT STRING in the key file");
  v.erase(v.begin());
  return v;
}

// The subjectPublicKey bits of the key as derived from its private part.
Bytes derived_public_bits(const PublicKey& pub) {
  const Bytes spki = pub.to_der();
  const auto src = memory_source(spki);
  return bit_string_bits(*src, der_child(*src, read_der_node(*src, 0, src->size()), 1));
}

// Every public key the file carries: RFC 5958 OneAsymmetricKey [1] publicKey, and for EC keys
// the RFC 5915 ECPrivateKey [1] publicKey.
std::vector<Bytes> embedded_public_keys(ByteView pkcs8) {
  std::vector<Bytes> out;
  const auto src = memory_source(Bytes(pkcs8.begin(), pkcs8.end()));
  const auto fields = der_children(*src, read_der_node(*src, 0, src->size()));
  if (fields.size() < 3) throw FormatError("not a PKCS#8 private key");
  for (std::size_t i = 3; i < fields.size(); ++i)
    if (fields[i].tag == 0x81) {  // [1] IMPLICIT BIT STRING
      Bytes v = der_content(*src, fields[i]);
      if (v.empty() || v[0] != 0) throw FormatError("malformed publicKey in the key file");
      out.emplace_back(v.begin() + 1, v.end());
    }
  // ECPrivateKey only for EC keys: a GOST private key is a bare little-endian scalar, which
  // starts with 0x30 once in 256 keys and must not be read as a structure.
  const std::string alg = oid_from_der(der_bytes(*src, der_child(*src, fields.at(1), 0)));
  const bool ec = alg == oid::ec_public_key || alg == oid::sm2_botan_key;
  if (ec && fields.size() >= 3 && fields[2].tag == 0x04) {
    const Bytes inner = der_content(*src, fields[2]);
    if (!inner.empty() && inner[0] == 0x30) {  // RFC 5915 ECPrivateKey
      const auto isrc = memory_source(inner);
      const DerNode root = read_der_node(*isrc, 0, isrc->size());
      for (const auto& f : der_children(*isrc, root))
        if (f.tag == 0xa1) out.push_back(bit_string_bits(*isrc, der_child(*isrc, f, 0)));
    }
  }
  return out;
}

// An EC point as bytes compares to the derived one; a compressed point compares by x and parity.
bool same_point(const Bytes& embedded, const Bytes& derived) {
  if (embedded == derived) return true;
  if (embedded.size() < 2 || (embedded[0] != 0x02 && embedded[0] != 0x03) || derived.empty() || derived[0] != 0x04)
    return false;
  const std::size_t n = (derived.size() - 1) / 2;
  return embedded.size() == n + 1 && std::equal(embedded.begin() + 1, embedded.end(), derived.begin() + 1) &&
         ((derived.back() & 1) == (embedded[0] & 1));
}

}  // namespace

void check_pairwise(const PrivateKey& key, ByteView pkcs8) {
  const PublicKey pub = key.public_key();
  if (!pkcs8.empty()) {
    const Bytes derived = derived_public_bits(pub);
    for (const auto& embedded : embedded_public_keys(pkcs8))
      if (!same_point(embedded, derived))
        throw FormatError("the key file's public key does not belong to its private key (a damaged or altered key "
                          "file); every signature made with it would fail");
  }
  static const Bytes kMessage{'x', 's', 'i', 'g', 'n', ' ', 'p', 'a', 'i', 'r', 'w', 'i', 's', 'e'};
  if (!pub.verify(kMessage, key.sign(kMessage)))
    throw FormatError("the private key fails its pairwise consistency check (its signature does not verify with its "
                      "own public key): the key file is damaged or altered");
}

}  // namespace sign::detail
