// Creating certificates: the TBSCertificate and its extensions are encoded here and signed
// through the issuer's crypto suite.
#include <sign/error.hpp>
#include <sign/asn1.hpp>
#include <sign/pki.hpp>

#include "crypto/key_impl.hpp"
#include "pki/signature.hpp"

#include <botan/asn1_time.h>
#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>
#include <botan/rng.h>

namespace sign {
namespace {

using Botan::DER_Encoder;

Botan::OID oid(std::string_view s) { return Botan::OID(std::string(s)); }

// One Extension: SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }.
void add_extension(DER_Encoder& enc, std::string_view id, bool critical, const Bytes& value) {
  enc.start_cons(Botan::SEQUENCE).encode(oid(id));
  if (critical) enc.encode(true);
  enc.encode(value, Botan::OCTET_STRING).end_cons();
}

Bytes basic_constraints(bool is_ca, std::optional<unsigned> path_len) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  if (is_ca) {
    enc.encode(true);
    if (path_len) enc.encode(static_cast<std::size_t>(*path_len));
  }
  enc.end_cons();
  return v;
}

// keyUsage is a named BIT STRING: bit 0 is the most significant bit of the first byte, and
// DER drops trailing zero bits.
Bytes key_usage(unsigned bits) {
  std::uint8_t bytes[2] = {0, 0};
  int last = -1;
  for (int i = 0; i < 9; ++i) {
    if (bits & (1u << i)) {
      bytes[i / 8] |= static_cast<std::uint8_t>(0x80u >> (i % 8));
      last = i;
    }
  }
  const std::size_t len = last >= 8 ? 2 : 1;
  const std::uint8_t unused = static_cast<std::uint8_t>(8 * len - 1 - static_cast<std::size_t>(last));
  Bytes content{unused};
  content.insert(content.end(), bytes, bytes + len);
  Bytes v;
  DER_Encoder(v).add_object(Botan::BIT_STRING, Botan::UNIVERSAL, content.data(), content.size());
  return v;
}

Bytes oid_sequence(const std::vector<std::string>& oids) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  for (const auto& o : oids) enc.encode(oid(o));
  enc.end_cons();
  return v;
}

Bytes policies(const std::vector<std::string>& oids) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  for (const auto& o : oids) enc.start_cons(Botan::SEQUENCE).encode(oid(o)).end_cons();
  enc.end_cons();
  return v;
}

void uri(DER_Encoder& enc, const std::string& url) {
  enc.add_object(Botan::ASN1_Tag(6), Botan::CONTEXT_SPECIFIC, url);
}

Bytes crl_distribution_points(const std::vector<std::string>& urls) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  for (const auto& u : urls) {
    enc.start_cons(Botan::SEQUENCE)
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
        .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC);
    uri(enc, u);
    enc.end_cons().end_cons().end_cons();
  }
  enc.end_cons();
  return v;
}

Bytes authority_info_access(const std::vector<std::string>& ocsp, const std::vector<std::string>& ca_issuers) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  auto add = [&](std::string_view method, const std::string& u) {
    enc.start_cons(Botan::SEQUENCE).encode(oid(method));
    uri(enc, u);
    enc.end_cons();
  };
  for (const auto& u : ocsp) add("1.3.6.1.5.5.7.48.1", u);
  for (const auto& u : ca_issuers) add("1.3.6.1.5.5.7.48.2", u);
  enc.end_cons();
  return v;
}

void subtrees(DER_Encoder& enc, int tag, const std::vector<DistinguishedName>& names) {
  if (names.empty()) return;
  enc.start_cons(Botan::ASN1_Tag(tag), Botan::CONTEXT_SPECIFIC);
  for (const auto& n : names) {
    // GeneralSubtree { base GeneralName: directoryName [4] EXPLICIT Name }
    enc.start_cons(Botan::SEQUENCE).start_cons(Botan::ASN1_Tag(4), Botan::CONTEXT_SPECIFIC);
    enc.raw_bytes(n.der());
    enc.end_cons().end_cons();
  }
  enc.end_cons();
}

Bytes name_constraints(const std::vector<DistinguishedName>& permitted,
                       const std::vector<DistinguishedName>& excluded) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  subtrees(enc, 0, permitted);
  subtrees(enc, 1, excluded);
  enc.end_cons();
  return v;
}

Bytes octets(const Bytes& id) {
  Bytes v;
  DER_Encoder(v).encode(id, Botan::OCTET_STRING);
  return v;
}

Bytes authority_key_id(const Bytes& id) {
  Bytes v;
  DER_Encoder(v)
      .start_cons(Botan::SEQUENCE)
      .add_object(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC, id.data(), id.size())
      .end_cons();
  return v;
}

Bytes utf8(const std::string& s) {
  Bytes v;
  DER_Encoder(v).add_object(Botan::UTF8_STRING, Botan::UNIVERSAL, s);
  return v;
}

Bytes utf8_sequence(const std::vector<std::string>& items) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  for (const auto& s : items) enc.add_object(Botan::UTF8_STRING, Botan::UNIVERSAL, s);
  enc.end_cons();
  return v;
}

Bytes null_value() {
  Bytes v;
  DER_Encoder(v).encode_null();
  return v;
}

Bytes extensions(const CertificateTemplate& t, const Bytes& issuer_key_id) {
  Bytes v;
  DER_Encoder enc(v);
  enc.start_cons(Botan::SEQUENCE);
  add_extension(enc, "2.5.29.19", t.is_ca, basic_constraints(t.is_ca, t.path_len));
  if (t.key_usage) add_extension(enc, "2.5.29.15", true, key_usage(t.key_usage));
  if (!t.extended_key_usage.empty())
    add_extension(enc, "2.5.29.37", t.extended_key_usage_critical, oid_sequence(t.extended_key_usage));
  add_extension(enc, "2.5.29.14", false,
                octets(t.subject_key_id.empty() ? key_identifier(*t.public_key) : t.subject_key_id));
  if (!issuer_key_id.empty()) add_extension(enc, "2.5.29.35", false, authority_key_id(issuer_key_id));
  if (!t.policies.empty()) add_extension(enc, "2.5.29.32", false, policies(t.policies));
  if (!t.crl_urls.empty()) add_extension(enc, "2.5.29.31", false, crl_distribution_points(t.crl_urls));
  if (!t.ocsp_urls.empty() || !t.ca_issuers_urls.empty())
    add_extension(enc, "1.3.6.1.5.5.7.1.1", false, authority_info_access(t.ocsp_urls, t.ca_issuers_urls));
  if (!t.permitted_subtrees.empty() || !t.excluded_subtrees.empty())
    add_extension(enc, "2.5.29.30", true, name_constraints(t.permitted_subtrees, t.excluded_subtrees));
  if (t.ocsp_nocheck) add_extension(enc, "1.3.6.1.5.5.7.48.1.5", false, null_value());
  if (!t.subject_sign_tool.empty())
    add_extension(enc, "1.2.643.100.111", false, utf8(t.subject_sign_tool));
  if (!t.issuer_sign_tool.empty())
    add_extension(enc, "1.2.643.100.112", false, utf8_sequence(t.issuer_sign_tool));
  for (const auto& e : t.extra_extensions) add_extension(enc, e.oid, e.critical, e.value);
  enc.end_cons();
  return v;
}

}  // namespace

Bytes key_identifier(const PublicKey& key) {
  const Bytes spki = key.to_der();
  Bytes bits;
  Botan::AlgorithmIdentifier alg;
  Botan::BER_Decoder(spki).start_cons(Botan::SEQUENCE).decode(alg).decode(bits, Botan::BIT_STRING).end_cons();
  Bytes id = digest_bytes(DigestAlgorithm::sha256, bits);
  id.resize(20);
  return id;
}

Bytes random_serial() {
  Bytes serial(20);
  detail::system_rng().randomize(serial.data(), serial.size());
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x40);  // positive, full length
  return serial;
}

Certificate issue_certificate(const CertificateTemplate& t, const DistinguishedName& issuer,
                              const Bytes& issuer_key_id, const PrivateKey& issuer_key) {
  if (!t.public_key) throw UsageError("certificate template has no public key");
  if (t.subject.empty()) throw UsageError("certificate template has no subject");
  if (t.not_after <= t.not_before) throw UsageError("certificate validity ends before it starts");
  const Bytes serial = t.serial.empty() ? random_serial() : t.serial;
  if (serial[0] & 0x80) throw UsageError("certificate serial number must be positive");

  const auto alg = detail::signature_algorithm(issuer_key.suite());
  Bytes tbs;
  DER_Encoder enc(tbs);
  enc.start_cons(Botan::SEQUENCE)
      .start_cons(Botan::ASN1_Tag(0), Botan::CONTEXT_SPECIFIC)
      .encode(static_cast<std::size_t>(2))  // v3
      .end_cons()
      .encode(detail::to_bigint(serial))
      .encode(alg)
      .raw_bytes(issuer.der())
      .raw_bytes(sequence({x509_time_der(t.not_before), x509_time_der(t.not_after)}))
      .raw_bytes(t.subject.der())
      .raw_bytes(t.public_key->to_der())
      .start_cons(Botan::ASN1_Tag(3), Botan::CONTEXT_SPECIFIC)
      .raw_bytes(extensions(t, issuer_key_id))
      .end_cons()
      .end_cons();
  const Bytes signature = detail::sign_tbs(issuer_key, tbs);
  return Certificate::from_der(detail::assemble_signed(tbs, alg, signature));
}

}  // namespace sign
