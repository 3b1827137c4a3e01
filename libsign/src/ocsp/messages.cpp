// RFC 6960 messages: requests, responses, CertIDs.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>

#include "pki/signature.hpp"

#include <botan/ber_dec.h>

namespace sign {
namespace {

constexpr std::string_view kBasic = "1.3.6.1.5.5.7.48.1.1";
constexpr std::string_view kNonce = "1.3.6.1.5.5.7.48.1.2";

[[noreturn]] void bad(const std::string& what) { throw FormatError("malformed OCSP message: " + what); }

void expect(const DerNode& n, std::uint8_t tag, const char* what) {
  if (n.tag != tag) bad(std::string(what) + " has the wrong type");
}

Bytes strip_zeros(Bytes v) {
  while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
  return v;
}

// The subjectPublicKey BIT STRING contents of a certificate (what issuerKeyHash hashes).
Bytes public_key_bits(const Certificate& c) {
  const Bytes spki = c.public_key().to_der();
  const auto src = memory_source(spki);
  const auto parts = der_children(*src, read_der_node(*src, 0, src->size()));
  Bytes bits = der_content(*src, parts.at(1));
  if (!bits.empty()) bits.erase(bits.begin());  // unused-bits octet
  return bits;
}

OcspCertId read_cert_id(const ByteSource& src, const DerNode& node) {
  expect(node, 0x30, "CertID");
  const auto f = der_children(src, node);
  if (f.size() != 4) bad("CertID must have four fields");
  OcspCertId id;
  expect(f[0], 0x30, "hash algorithm");
  id.hash_oid = oid_from_der(der_bytes(src, der_child(src, f[0], 0)));
  expect(f[1], 0x04, "issuerNameHash");
  expect(f[2], 0x04, "issuerKeyHash");
  expect(f[3], 0x02, "serialNumber");
  id.issuer_name_hash = der_content(src, f[1]);
  id.issuer_key_hash = der_content(src, f[2]);
  id.serial = strip_zeros(der_content(src, f[3]));
  return id;
}

// Extensions ::= SEQUENCE OF Extension; returns the nonce value's inner OCTET STRING contents,
// and in `raw` (when given) the extnValue contents exactly as received.
Bytes find_nonce(const ByteSource& src, const DerNode& extensions, Bytes* raw = nullptr) {
  if (extensions.tag != 0x30) bad("Extensions is not a SEQUENCE");
  const auto list = der_children(src, extensions);
  if (list.empty()) bad("empty Extensions (SIZE (1..MAX))");
  for (const auto& ext : list) {
    const auto parts = der_children(src, ext);
    if (parts.size() < 2 || oid_from_der(der_bytes(src, parts[0])) != kNonce) continue;
    const Bytes value = der_content(src, parts.back());
    if (raw) *raw = value;
    // RFC 8954: extnValue holds an OCTET STRING; older clients put the raw bytes.
    if (value.size() >= 2 && value[0] == 0x04) {
      const auto inner = memory_source(value);
      const DerNode n = read_der_node(*inner, 0, inner->size());
      if (n.end() == inner->size()) return der_content(*inner, n);
    }
    return value;
  }
  return {};
}

std::optional<TimePoint> time_or_null(const ByteSource& src, const DerNode& n) {
  return decode_der_time(der_bytes(src, n));
}

}  // namespace

std::string_view ocsp_status_name(OcspCertStatus s) {
  switch (s) {
    case OcspCertStatus::good: return "good";
    case OcspCertStatus::revoked: return "revoked";
    case OcspCertStatus::unknown: return "unknown";
  }
  return "unknown";
}

OcspCertId OcspCertId::of(const Certificate& cert, const Certificate& issuer, DigestAlgorithm alg) {
  OcspCertId id;
  id.hash_oid = std::string(digest_oid(alg));
  id.issuer_name_hash = digest_bytes(alg, issuer.subject().der());
  id.issuer_key_hash = digest_bytes(alg, public_key_bits(issuer));
  id.serial = strip_zeros(cert.serial());
  return id;
}

bool OcspCertId::matches(const Certificate& issuer, const Bytes& serial_number) const {
  DigestAlgorithm alg;
  if (!digest_from_oid(hash_oid, alg)) return false;
  return strip_zeros(serial_number) == serial && digest_bytes(alg, issuer.subject().der()) == issuer_name_hash &&
         digest_bytes(alg, public_key_bits(issuer)) == issuer_key_hash;
}

Bytes OcspCertId::encode() const {
  DigestAlgorithm alg{};
  digest_from_oid(hash_oid, alg);
  return sequence({algorithm_der(hash_oid, alg == DigestAlgorithm::sha1), der_tlv(0x04, issuer_name_hash),
                   der_tlv(0x04, issuer_key_hash), integer_der(serial)});
}

Bytes OcspRequest::encode() const {
  std::vector<Bytes> requests;
  for (const auto& id : ids) requests.push_back(sequence({id.encode()}));
  Bytes tbs = set_in_order(requests, 0x30);
  if (!nonce.empty()) {
    const Bytes ext = sequence({oid_der(kNonce), der_tlv(0x04, der_tlv(0x04, nonce))});
    const Bytes exts = der_tlv(0xa2, sequence({ext}));
    tbs.insert(tbs.end(), exts.begin(), exts.end());
  }
  return sequence({der_tlv(0x30, tbs)});
}

OcspRequest OcspRequest::parse(ByteView der) {
  const auto src = memory_source(Bytes(der.begin(), der.end()));
  const DerNode root = read_der_node(*src, 0, src->size());
  if (root.end() != src->size()) bad("trailing bytes after OCSPRequest");
  expect(root, 0x30, "OCSPRequest");
  const auto top = der_children(*src, root);
  if (top.empty()) bad("empty OCSPRequest");
  expect(top[0], 0x30, "TBSRequest");
  OcspRequest r;
  for (const auto& f : der_children(*src, top[0])) {
    if (f.tag == 0xa0 || f.tag == 0xa1) continue;  // version, requestorName
    if (f.tag == 0x30) {
      for (const auto& req : der_children(*src, f)) {
        expect(req, 0x30, "Request");
        const auto parts = der_children(*src, req);
        if (parts.empty()) bad("empty Request");
        r.ids.push_back(read_cert_id(*src, parts[0]));
      }
    } else if (f.tag == 0xa2) {
      r.nonce = find_nonce(*src, der_child(*src, f, 0), &r.nonce_extension_value);
    } else {
      bad("unexpected field in TBSRequest");
    }
  }
  if (r.ids.empty()) bad("the request asks about no certificate");
  if (r.ids.size() > 100) bad("too many certificates in one request");
  return r;
}

Bytes OcspResponse::wrap_basic(ByteView basic_der) {
  const Bytes bytes = sequence({oid_der(kBasic), der_tlv(0x04, basic_der)});
  return sequence({Bytes{0x0a, 0x01, 0x00}, der_tlv(0xa0, bytes)});
}

OcspResponse OcspResponse::parse(ByteView der) {
  OcspResponse r;
  r.der.assign(der.begin(), der.end());
  const auto src = memory_source(r.der);
  const DerNode root = read_der_node(*src, 0, src->size());
  if (root.end() != src->size()) bad("trailing bytes after OCSPResponse");
  expect(root, 0x30, "OCSPResponse");
  const auto top = der_children(*src, root);
  if (top.empty()) bad("empty OCSPResponse");
  expect(top[0], 0x0a, "responseStatus");
  const Bytes st = der_content(*src, top[0]);
  r.response_status = st.size() == 1 ? st[0] : 99;
  if (r.response_status != 0) return r;
  if (top.size() < 2) bad("a successful response has no responseBytes");
  expect(top[1], 0xa0, "responseBytes");
  const auto rb = der_children(*src, der_child(*src, top[1], 0));
  if (rb.size() != 2 || oid_from_der(der_bytes(*src, rb[0])) != kBasic) bad("not a basic OCSP response");
  const Bytes basic_der = der_content(*src, rb[1]);
  r.basic_der = basic_der;
  const auto b = memory_source(basic_der);
  const auto basic = der_children(*b, read_der_node(*b, 0, b->size()));
  if (basic.size() < 3) bad("BasicOCSPResponse is too short");
  expect(basic[0], 0x30, "ResponseData");
  r.tbs = der_bytes(*b, basic[0]);
  r.signature_oid = oid_from_der(der_bytes(*b, der_child(*b, basic[1], 0)));
  expect(basic[2], 0x03, "signature");
  r.signature = der_content(*b, basic[2]);
  if (r.signature.empty()) bad("empty signature");
  r.signature.erase(r.signature.begin());
  if (basic.size() > 3 && basic[3].tag == 0xa0)
    for (const auto& c : der_children(*b, der_child(*b, basic[3], 0))) r.certificates.push_back(Certificate::from_der(der_bytes(*b, c)));

  for (const auto& f : der_children(*b, basic[0])) {
    if (f.tag == 0x18) r.produced_at = decode_der_time(der_bytes(*b, f));
    else if ((f.tag == 0xa1 || f.tag == 0xa2) && r.responses.empty() && f.constructed()) {
      // [1] byName / [2] byKey is the responderID before the responses; [1] after them is
      // responseExtensions.
      if (r.responder_id_der.empty()) r.responder_id_der = der_bytes(*b, f);
      continue;
    } else if (f.tag == 0x30) {
      for (const auto& single : der_children(*b, f)) {
        const auto parts = der_children(*b, single);
        if (parts.size() < 3) bad("SingleResponse is too short");
        OcspSingleResponse s;
        s.id = read_cert_id(*b, parts[0]);
        if (parts[1].tag == 0x80) s.status = OcspCertStatus::good;
        else if (parts[1].tag == 0x82) s.status = OcspCertStatus::unknown;
        else if (parts[1].tag == 0xa1) {
          s.status = OcspCertStatus::revoked;
          const auto info = der_children(*b, parts[1]);
          if (info.empty()) bad("RevokedInfo without a time");
          s.revocation_time = time_or_null(*b, info[0]);
          if (info.size() > 1 && info[1].tag == 0xa0) {
            const Bytes reason = der_content(*b, der_child(*b, info[1], 0));
            if (reason.size() == 1) s.reason = static_cast<RevocationReason>(reason[0]);
          }
        } else {
          bad("unknown certStatus");
        }
        expect(parts[2], 0x18, "thisUpdate");
        s.this_update = decode_der_time(der_bytes(*b, parts[2]));
        if (parts.size() > 3 && parts[3].tag == 0xa0) s.next_update = time_or_null(*b, der_child(*b, parts[3], 0));
        r.responses.push_back(s);
      }
    }
  }
  // Response extensions (nonce) are the [1] after the responses.
  const auto data = der_children(*b, basic[0]);
  if (!data.empty() && data.back().tag == 0xa1 && !r.responses.empty())
    r.nonce = find_nonce(*b, der_child(*b, data.back(), 0));
  return r;
}

std::optional<Certificate> OcspResponse::verify_signer(const Certificate& issuer) const {
  if (detail::verify_tbs(issuer.public_key(), signature_oid, tbs, signature)) return issuer;
  for (const auto& c : certificates) {
    const auto eku = c.extended_key_usage();
    if (std::find(eku.begin(), eku.end(), oids::eku_ocsp_signing) == eku.end()) continue;
    if (!(c.issuer() == issuer.subject()) || !c.verify_signature(issuer.public_key())) continue;
    if (detail::verify_tbs(c.public_key(), signature_oid, tbs, signature)) return c;
  }
  return std::nullopt;
}

}  // namespace sign
