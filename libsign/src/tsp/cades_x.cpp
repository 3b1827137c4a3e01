// CAdES-C and CAdES-X Long Type 1 (ETSI TS 101 733 §6.2-6.4; EN 319 122-2 keeps them for the
// existing signatures Russian tools make by default): references to the complete validation
// data, the data itself, and the CAdES-C-time-stamp over the signature and the references.
// The ASN.1 module of TS 101 733 uses EXPLICIT tags.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>
#include <sign/pki.hpp>
#include <sign/tsp.hpp>

#include <algorithm>

namespace sign {
namespace {

[[noreturn]] void bad(const std::string& what) { throw FormatError("malformed CAdES-C attribute: " + what); }

// OtherHash ::= CHOICE { sha1Hash OCTET STRING, otherHash SEQUENCE { AlgorithmIdentifier, OCTET STRING } }
Bytes other_hash(DigestAlgorithm alg, ByteView data) {
  return sequence({algorithm_der(digest_oid(alg)), der_tlv(0x04, digest_bytes(alg, data))});
}

struct ParsedHash {
  DigestAlgorithm alg = DigestAlgorithm::sha1;
  Bytes value;
  bool matches(ByteView data) const { return digest_bytes(alg, data) == value; }
};

ParsedHash read_other_hash(const ByteSource& src, const DerNode& n) {
  ParsedHash h;
  if (n.tag == 0x04) {
    h.value = der_content(src, n);
    return h;
  }
  if (n.tag != 0x30) bad("OtherHash is neither an OCTET STRING nor a SEQUENCE");
  const auto parts = der_children(src, n);
  if (parts.size() != 2 || parts[1].tag != 0x04) bad("OtherHashAlgAndValue");
  const std::string oid = oid_from_der(der_bytes(src, der_child(src, parts[0], 0)));
  if (!digest_from_oid(oid, h.alg)) bad("unknown hash algorithm " + oid);
  h.value = der_content(src, parts[1]);
  return h;
}

Bytes issuer_serial(const Certificate& c) {
  return sequence({der_tlv(0x30, der_tlv(0xa4, c.issuer().der())), integer_der(c.serial())});
}

Bytes sequence_of(const std::vector<Bytes>& items) { return set_in_order(items, 0x30); }

// CrlOcspRef for one certificate: the CRL or OCSP response that vouched for it, or neither.
Bytes crl_ocsp_ref(const std::optional<Bytes>& crl_der, const std::optional<OcspResponse>& ocsp, DigestAlgorithm alg) {
  std::vector<Bytes> fields;
  if (crl_der) {
    const Crl crl = Crl::from_der(*crl_der);
    Bytes id_content = crl.issuer().der();
    const Bytes issued = x509_time_der(crl.this_update());
    id_content.insert(id_content.end(), issued.begin(), issued.end());
    if (const auto n = crl.crl_number()) {
      Bytes be;
      for (std::uint64_t v = *n; v; v >>= 8) be.insert(be.begin(), static_cast<std::uint8_t>(v & 0xff));
      if (be.empty()) be.push_back(0);
      const Bytes number = integer_der(be);
      id_content.insert(id_content.end(), number.begin(), number.end());
    }
    const Bytes validated = sequence({other_hash(alg, *crl_der), der_tlv(0x30, id_content)});
    fields.push_back(der_tlv(0xa0, sequence({sequence_of({validated})})));  // [0] CRLListID
  }
  if (ocsp) {
    const Bytes identifier = sequence({ocsp->responder_id_der, generalized_time_der(ocsp->produced_at)});
    const Bytes id = sequence({identifier, other_hash(alg, ocsp->basic_der)});
    fields.push_back(der_tlv(0xa1, sequence({sequence_of({id})})));  // [1] OcspListID
  }
  return sequence_of(fields);
}

const CmsAttribute* unsigned_attr(const SignerInfoView& si, std::string_view oid) {
  for (const auto& a : si.unsigned_attrs)
    if (a.oid == oid) return &a;
  return nullptr;
}

void append_attribute(Bytes& out, const CmsAttribute& a) {
  const Bytes type = oid_der(a.oid);
  const Bytes values = set_in_order(a.values, 0x31);
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), values.begin(), values.end());
}

// The single value of a signer's unsigned attribute, parsed; nullopt when absent.
std::optional<std::pair<std::shared_ptr<const ByteSource>, DerNode>> single_value(const SignerInfoView& si,
                                                                                   std::string_view oid) {
  const auto* a = unsigned_attr(si, oid);
  if (!a) return std::nullopt;
  if (a->values.size() != 1) bad("attribute " + std::string(oid) + " must have exactly one value");
  auto src = memory_source(a->values[0]);
  const DerNode root = read_der_node(*src, 0, src->size());
  if (root.tag != 0x30) bad("attribute " + std::string(oid) + " is not a SEQUENCE");
  return std::make_pair(std::shared_ptr<const ByteSource>(src), root);
}

// The BasicOCSPResponse inside an RFC 5940 OtherRevocationInfoFormat of the SignedData.
std::optional<Bytes> embedded_basic_ocsp(const Bytes& other) {
  try {
    const auto src = memory_source(other);
    const auto parts = der_children(*src, read_der_node(*src, 0, src->size()));
    if (parts.size() != 2 || oid_from_der(der_bytes(*src, parts[0])) != "1.3.6.1.5.5.7.16.2") return std::nullopt;
    return OcspResponse::parse(der_bytes(*src, parts[1])).basic_der;
  } catch (const FormatError&) {
    return std::nullopt;
  }
}

}  // namespace

CadesCValues cades_c_values(const CompleteValidationData& data, DigestAlgorithm alg) {
  if (data.path.empty()) throw UsageError("no certification path to reference");
  CadesCValues out;
  std::vector<Bytes> cert_refs, cert_values, rev_refs, crl_values, ocsp_values;
  for (std::size_t i = 1; i < data.path.size(); ++i) {
    const auto& c = data.path[i];
    cert_refs.push_back(sequence({other_hash(alg, c.der()), issuer_serial(c)}));
    cert_values.push_back(c.der());
  }
  for (std::size_t i = 0; i < data.path.size(); ++i) {
    const bool below_anchor = i + 1 < data.path.size();
    const auto crl = below_anchor && i < data.crls.size() ? data.crls[i] : std::nullopt;
    std::optional<OcspResponse> ocsp;
    if (below_anchor && i < data.ocsp.size() && data.ocsp[i]) ocsp = OcspResponse::parse(*data.ocsp[i]);
    rev_refs.push_back(crl_ocsp_ref(crl, ocsp, alg));
    if (crl && std::find(crl_values.begin(), crl_values.end(), *crl) == crl_values.end()) crl_values.push_back(*crl);
    if (ocsp && std::find(ocsp_values.begin(), ocsp_values.end(), ocsp->basic_der) == ocsp_values.end())
      ocsp_values.push_back(ocsp->basic_der);
  }
  out.certificate_refs = sequence_of(cert_refs);
  out.revocation_refs = sequence_of(rev_refs);
  out.certificate_values = sequence_of(cert_values);
  std::vector<Bytes> rev_fields;
  if (!crl_values.empty()) rev_fields.push_back(der_tlv(0xa0, sequence_of(crl_values)));
  if (!ocsp_values.empty()) rev_fields.push_back(der_tlv(0xa1, sequence_of(ocsp_values)));
  out.revocation_values = sequence_of(rev_fields);
  return out;
}

Bytes esc_time_stamp_input(const SignerInfoView& si) {
  const auto* cert_refs = unsigned_attr(si, oids::complete_certificate_refs);
  const auto* rev_refs = unsigned_attr(si, oids::complete_revocation_refs);
  if (!cert_refs || !rev_refs)
    throw FormatError("the signer has no complete-certificate-references and complete-revocation-references (CAdES-C)");
  // TS 101 733 §6.3.5: the signature value, then each attribute as attrType || attrValues.
  Bytes input = si.signature;
  for (const auto& a : si.unsigned_attrs)
    if (a.oid == oids::signature_time_stamp) append_attribute(input, a);
  append_attribute(input, *cert_refs);
  append_attribute(input, *rev_refs);
  return input;
}

CadesValues cades_values(const SignerInfoView& si) {
  CadesValues out;
  if (const auto v = single_value(si, oids::certificate_values))
    for (const auto& c : der_children(*v->first, v->second)) out.certificates.push_back(der_bytes(*v->first, c));
  if (const auto v = single_value(si, oids::revocation_values)) {
    for (const auto& field : der_children(*v->first, v->second)) {
      if (field.tag != 0xa0 && field.tag != 0xa1) continue;  // otherRevVals are not used
      for (const auto& item : der_children(*v->first, der_child(*v->first, field, 0))) {
        const Bytes der = der_bytes(*v->first, item);
        if (field.tag == 0xa0) out.crls.push_back(der);
        else out.ocsp_responses.push_back(OcspResponse::wrap_basic(der));
      }
    }
  }
  return out;
}

std::string cades_reference_problem(const SignedDataView& sd, const SignerInfoView& si) {
  try {
    const auto values = cades_values(si);
    std::vector<Bytes> certs = sd.certificate_ders(), crls, basics;
    certs.insert(certs.end(), values.certificates.begin(), values.certificates.end());
    for (const auto& r : sd.crl_ders()) {
      if (!r.empty() && r[0] == 0xa1) {
        if (auto b = embedded_basic_ocsp(r)) basics.push_back(*b);
      } else {
        crls.push_back(r);
      }
    }
    crls.insert(crls.end(), values.crls.begin(), values.crls.end());
    for (const auto& o : values.ocsp_responses) basics.push_back(OcspResponse::parse(o).basic_der);
    auto found = [](const std::vector<Bytes>& pool, const ParsedHash& h) {
      return std::any_of(pool.begin(), pool.end(), [&](const Bytes& b) { return h.matches(b); });
    };

    const auto cert_refs = single_value(si, oids::complete_certificate_refs);
    const auto rev_refs = single_value(si, oids::complete_revocation_refs);
    if (!cert_refs || !rev_refs) return "the complete-certificate-references or complete-revocation-references are missing";
    std::size_t n = 0;
    for (const auto& id : der_children(*cert_refs->first, cert_refs->second)) {
      ++n;
      const auto h = read_other_hash(*cert_refs->first, der_child(*cert_refs->first, id, 0));
      if (!found(certs, h)) return "certificate reference " + std::to_string(n) + " matches no certificate the signature carries";
    }
    n = 0;
    const auto& rs = *rev_refs->first;
    for (const auto& ref : der_children(rs, rev_refs->second)) {
      ++n;
      for (const auto& choice : der_children(rs, ref)) {
        if (choice.tag != 0xa0 && choice.tag != 0xa1) continue;
        const auto list = der_child(rs, der_child(rs, choice, 0), 0);  // [n] { SEQUENCE { SEQUENCE OF ... } }
        for (const auto& item : der_children(rs, list)) {
          const auto parts = der_children(rs, item);
          if (parts.empty()) bad("empty revocation reference");
          if (choice.tag == 0xa0 && !found(crls, read_other_hash(rs, parts[0])))
            return "revocation reference " + std::to_string(n) + " names a CRL the signature does not carry";
          if (choice.tag == 0xa1 && parts.size() > 1 && !found(basics, read_other_hash(rs, parts[1])))
            return "revocation reference " + std::to_string(n) + " names an OCSP response the signature does not carry";
        }
      }
    }
    return {};
  } catch (const FormatError& e) {
    return e.what();
  }
}

}  // namespace sign
