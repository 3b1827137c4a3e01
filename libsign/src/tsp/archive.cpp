// archive-time-stamp-v3 (ETSI EN 319 122-1 §5.5.3) and its ats-hash-index-v3 (§5.5.2).
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/tsp.hpp>

#include <algorithm>

namespace sign {
namespace {

Bytes octets_sequence(const std::vector<Bytes>& hashes) {
  std::vector<Bytes> items;
  for (const auto& h : hashes) items.push_back(der_tlv(0x04, h));
  return set_in_order(items, 0x30);
}

// The SignerInfo fields version .. signature, as encoded (tag, length and value).
Bytes signed_fields(const SignerInfoView& si) {
  const auto src = memory_source(si.der);
  Bytes out;
  for (const auto& f : der_children(*src, read_der_node(*src, 0, src->size()))) {
    if (f.tag == 0xa1) break;  // unsigned attributes are not part of it
    const Bytes b = der_bytes(*src, f);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

struct HashIndex {
  std::vector<Bytes> certificates, crls, unsigned_attrs;
};

// Hashes of what the signature holds now. Unsigned attributes are hashed per value: attrType
// TLV followed by one value TLV (v3, so that values may be added later).
HashIndex current_index(const SignedDataView& sd, const SignerInfoView& si, DigestAlgorithm alg) {
  HashIndex h;
  for (const auto& c : sd.certificate_ders()) h.certificates.push_back(digest_bytes(alg, c));
  for (const auto& c : sd.crl_ders()) h.crls.push_back(digest_bytes(alg, c));
  for (const auto& a : si.unsigned_attrs) {
    const Bytes type = oid_der(a.oid);
    for (const auto& v : a.values) {
      Bytes input = type;
      input.insert(input.end(), v.begin(), v.end());
      h.unsigned_attrs.push_back(digest_bytes(alg, input));
    }
  }
  return h;
}

Bytes encode_index(const HashIndex& h, DigestAlgorithm alg) {
  const Bytes alg_der = alg == DigestAlgorithm::sha256 ? Bytes{} : algorithm_der(digest_oid(alg));
  return sequence({alg_der, octets_sequence(h.certificates), octets_sequence(h.crls), octets_sequence(h.unsigned_attrs)});
}

Bytes document_hash(const SignedDataView& sd, const Content& document, DigestAlgorithm alg) {
  const auto attached = sd.attached_content();
  return digest_content(attached ? *attached : document, alg);
}

Bytes imprint_input(const SignedDataView& sd, const SignerInfoView& si, const Content& document, DigestAlgorithm alg,
                    const Bytes& index) {
  Bytes input = oid_der(sd.econtent_type());
  for (const Bytes& part : {document_hash(sd, document, alg), signed_fields(si), index})
    input.insert(input.end(), part.begin(), part.end());
  return input;
}

// Reads the token's ats-hash-index-v3 into its three hash lists (and the hash algorithm).
std::optional<std::pair<HashIndex, DigestAlgorithm>> token_index(const TimeStampToken& token, Bytes& index_der) {
  const auto sd = SignedDataView::parse(memory_source(token.der));
  if (sd.signers().size() != 1) return std::nullopt;
  for (const auto& a : sd.signers()[0].unsigned_attrs) {
    if (a.oid != oids::ats_hash_index_v3 || a.values.size() != 1) continue;
    index_der = a.values[0];
    const auto src = memory_source(index_der);
    auto parts = der_children(*src, read_der_node(*src, 0, src->size()));
    DigestAlgorithm alg = DigestAlgorithm::sha256;
    std::size_t i = 0;
    if (parts.size() == 4) {
      if (!digest_from_oid(oid_from_der(der_bytes(*src, der_child(*src, parts[0], 0))), alg)) return std::nullopt;
      i = 1;
    }
    if (parts.size() - i != 3) return std::nullopt;
    HashIndex h;
    for (auto* list : {&h.certificates, &h.crls, &h.unsigned_attrs}) {
      for (const auto& o : der_children(*src, parts[i])) list->push_back(der_content(*src, o));
      ++i;
    }
    return std::make_pair(h, alg);
  }
  return std::nullopt;
}

}  // namespace

Bytes archive_time_stamp_input(const SignedDataView& sd, std::size_t index, const Content& document,
                               DigestAlgorithm alg, Bytes& ats_hash_index) {
  if (index >= sd.signers().size()) throw UsageError("there is no signer " + std::to_string(index + 1));
  const auto& si = sd.signers()[index];
  ats_hash_index = encode_index(current_index(sd, si, alg), alg);
  return imprint_input(sd, si, document, alg, ats_hash_index);
}

TimeStampCheck check_archive_time_stamp(const SignedDataView& sd, std::size_t index, const Content& document,
                                        const TimeStampToken& token, const std::vector<Certificate>& extra) {
  TimeStampCheck r;
  r.gen_time = token.info.gen_time;
  Bytes index_der;
  const auto recorded = token_index(token, index_der);
  if (!recorded) {
    r.message = "archive time-stamp without a readable ats-hash-index-v3";
    return r;
  }
  const auto& [hashes, alg] = *recorded;
  // Everything the index names must still be in the signature (later additions are allowed).
  const auto now = current_index(sd, sd.signers()[index], alg);
  auto all_present = [](const std::vector<Bytes>& named, const std::vector<Bytes>& present) {
    return std::all_of(named.begin(), named.end(),
                       [&](const Bytes& h) { return std::find(present.begin(), present.end(), h) != present.end(); });
  };
  if (!all_present(hashes.certificates, now.certificates) || !all_present(hashes.crls, now.crls) ||
      !all_present(hashes.unsigned_attrs, now.unsigned_attrs)) {
    r.message = "the archive time-stamp covers validation data that is no longer in the signature";
    return r;
  }
  const Bytes input = imprint_input(sd, sd.signers()[index], document, alg, index_der);
  TimeStampCheck c = check_time_stamp(token, input, extra);
  c.message = c.ok ? "archive time-stamp valid, issued at " + format_time(token.info.gen_time) : c.message;
  return c;
}

}  // namespace sign
