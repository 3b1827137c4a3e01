// DER building blocks of the cms module.
#include "cms/cms_internal.hpp"
#include "support/per_thread_memo.hpp"

#include <sign/error.hpp>

#include <botan/asn1_obj.h>
#include <botan/asn1_time.h>
#include <botan/ber_dec.h>
#include <botan/bigint.h>
#include <botan/der_enc.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace sign::cms_detail {

void append_unique(std::vector<Bytes>& into, const std::vector<Bytes>& extra) {
  for (const auto& e : extra)
    if (std::find(into.begin(), into.end(), e) == into.end()) into.push_back(e);
}

Bytes digest_algorithm_for(Suite suite) {
  const bool gost = suite == Suite::gost256 || suite == Suite::gost512 || suite == Suite::gost2001;
  return algorithm_der(digest_oid(suite_info(suite).digest), gost);
}

Bytes signature_algorithm_for(Suite suite, OidStyle style) {
  switch (suite) {
    case Suite::sm2:
      return algorithm_der(style == OidStyle::gmt ? oid::sm2_gm_signature : suite_info(suite).signature_oid);
    case Suite::gost256:
    case Suite::gost512:
      // RFC 4490 / the GOST engine: the key algorithm OID, with NULL parameters.
      return algorithm_der(suite_info(suite).key_oid, true);
    case Suite::p256: return algorithm_der(suite_info(suite).signature_oid);
    case Suite::gost2001: break;
  }
  throw UsageError("GOST R 34.10-2001 keys verify archived signatures only: sign with gost256 or gost512");
}

bool signature_oid_fits(std::string_view oid, Suite suite) {
  const auto& info = suite_info(suite);
  if (oid == info.signature_oid) return true;
  switch (suite) {
    case Suite::sm2: return oid == oid::sm2_gm_signature || oid == oid::ec_public_key;
    case Suite::gost256:
    case Suite::gost512:
    case Suite::gost2001: return oid == info.key_oid;
    case Suite::p256: return oid == oid::ec_public_key;
  }
  return false;
}

Bytes attribute(std::string_view oid, std::initializer_list<ByteView> values) {
  if (values.size() == 1) return sequence({oid_der(oid), der_tlv(0x31, *values.begin())});  // nothing to sort
  std::vector<Bytes> v;
  for (const auto& x : values) v.emplace_back(x.begin(), x.end());
  return sequence({oid_der(oid), set_of(std::move(v))});
}

Bytes content_type_attribute(std::string_view econtent_type) {
  return attribute(oid::content_type, {oid_der(econtent_type)});
}

Bytes message_digest_attribute(ByteView digest) {
  return attribute(oid::message_digest, {der_tlv(0x04, digest)});
}

Bytes signing_time_attribute(TimePoint t) {
  Bytes time;
  // UTCTime through 2049, GeneralizedTime after (RFC 5652 §11.3).
  time = x509_time_der(t);
  return attribute(oid::signing_time, {time});
}

namespace {

Bytes make_signing_certificate_v2_attribute(const Certificate& cert, Suite suite) {
  const DigestAlgorithm alg = suite_info(suite).digest;
  const Bytes& hash = cert.digest(alg);
  // hashAlgorithm is DEFAULT id-sha256: DER omits it for SHA-256.
  const Bytes hash_alg = alg == DigestAlgorithm::sha256 ? Bytes{} : algorithm_der(digest_oid(alg));
  const Bytes general_names = der_tlv(0x30, der_tlv(0xa4, cert.issuer().der()));
  const Bytes issuer_serial = sequence({general_names, integer_der(cert.serial())});
  const Bytes ess_cert_id = sequence({hash_alg, der_tlv(0x04, hash), issuer_serial});
  return attribute(oid::signing_certificate_v2, {sequence({sequence({ess_cert_id})})});
}

}  // namespace

Bytes signing_certificate_v2_attribute(const Certificate& cert, Suite suite) {
  // A signer signs document after document with one certificate: its attribute is made once
  // per certificate and suite in a thread (the hash itself is kept with the certificate).
  // The key is the certificate's SHA-256 (kept with it) and the suite, on the stack.
  thread_local detail::PerThreadMemo<Bytes, 64> made;
  const Bytes& sha256 = cert.digest(DigestAlgorithm::sha256);
  std::array<char, 33> key{};
  std::memcpy(key.data(), sha256.data(), std::min(sha256.size(), std::size_t{32}));
  key[32] = static_cast<char>(suite);
  return made.get(std::string_view(key.data(), key.size()),
                  [&] { return make_signing_certificate_v2_attribute(cert, suite); });
}

Bytes commitment_attribute(Commitment c) {
  std::string_view id;
  switch (c) {
    case Commitment::proof_of_origin: id = "1.2.840.113549.1.9.16.6.1"; break;
    case Commitment::proof_of_receipt: id = "1.2.840.113549.1.9.16.6.2"; break;
    case Commitment::proof_of_approval: id = "1.2.840.113549.1.9.16.6.5"; break;
    case Commitment::none: throw InternalError("no commitment to encode");
  }
  return attribute(oid::commitment_type, {sequence({oid_der(id)})});
}

Bytes build_signer_info(const SignerSpec& signer, std::vector<Bytes> signed_attributes, OidStyle style) {
  const Suite suite = signer.key.suite();
  if (!(signer.key.public_key() == signer.certificate.public_key()))
    throw UsageError("the private key does not belong to the certificate '" +
                     signer.certificate.subject().to_string() + "'");
  std::sort(signed_attributes.begin(), signed_attributes.end());
  Bytes attrs_content;
  for (const auto& a : signed_attributes) attrs_content.insert(attrs_content.end(), a.begin(), a.end());
  // The signature covers the attributes as a DER SET OF (tag 0x31); in the SignerInfo they
  // travel as [0] IMPLICIT (tag 0xA0) with the same content.
  const Bytes to_sign = der_tlv(0x31, attrs_content);
  const Bytes signature = signer.key.sign(to_sign, signer.options);
  const Bytes sid = sequence({signer.certificate.issuer().der(), integer_der(signer.certificate.serial())});
  const Bytes version = {0x02, 0x01, 0x01};
  return sequence({version, sid, digest_algorithm_for(suite), der_tlv(0xa0, attrs_content),
                   signature_algorithm_for(suite, style), der_tlv(0x04, signature)});
}

void write_signed_data(const SignedDataParts& p, const std::function<void(ByteView)>& sink) {
  const std::string_view content_info_type = p.style == OidStyle::gmt ? oid::gm_signed_data : oid::signed_data;
  const Bytes version = integer_der(Bytes{static_cast<std::uint8_t>(p.version)});
  const Bytes digest_algs = set_of(p.digest_algorithms);
  const Bytes type = oid_der(p.econtent_type);
  Bytes encap_head;
  std::uint64_t encap_len = type.size();
  if (p.content) {
    const Bytes octets_head = der_header(0x04, p.content_length);
    const std::uint64_t explicit_len = octets_head.size() + p.content_length;
    const Bytes explicit_head = der_header(0xa0, explicit_len);
    encap_len += explicit_head.size() + explicit_len;
    encap_head = der_header(0x30, encap_len);
    encap_head.insert(encap_head.end(), type.begin(), type.end());
    encap_head.insert(encap_head.end(), explicit_head.begin(), explicit_head.end());
    encap_head.insert(encap_head.end(), octets_head.begin(), octets_head.end());
  } else {
    encap_head = der_tlv(0x30, type);
  }
  const std::uint64_t encap_total = p.content ? der_header(0x30, encap_len).size() + encap_len : encap_head.size();

  Bytes tail;
  if (!p.certificates.empty()) {
    const Bytes certs = set_in_order(p.certificates, 0xa0);
    tail.insert(tail.end(), certs.begin(), certs.end());
  }
  if (!p.crls.empty()) {
    const Bytes crls = set_in_order(p.crls, 0xa1);
    tail.insert(tail.end(), crls.begin(), crls.end());
  }
  // Signers keep the order in which they signed (CMS is BER: SET OF need not be sorted), so
  // that "signer 2" names the same signature before and after a countersignature is added.
  const Bytes signers = set_in_order(p.signer_infos, 0x31);
  tail.insert(tail.end(), signers.begin(), signers.end());

  const std::uint64_t sd_len = version.size() + digest_algs.size() + encap_total + tail.size();
  const Bytes sd_head = der_header(0x30, sd_len);
  const std::uint64_t explicit_len = sd_head.size() + sd_len;
  const Bytes ci_type = oid_der(content_info_type);
  const Bytes explicit_head = der_header(0xa0, explicit_len);
  const Bytes ci_head = der_header(0x30, ci_type.size() + explicit_head.size() + explicit_len);

  Bytes head;
  for (const Bytes* b : std::initializer_list<const Bytes*>{&ci_head, &ci_type, &explicit_head, &sd_head, &version,
                                                           &digest_algs, &encap_head})
    head.insert(head.end(), b->begin(), b->end());
  sink(head);
  if (p.content) p.content->stream_range(p.content_offset, p.content_length, sink);
  sink(tail);
}

}  // namespace sign::cms_detail
