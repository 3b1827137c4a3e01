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
#include <map>

namespace sign::cms_detail {

namespace {

Bytes make_digest_algorithm(Suite suite) {
  const bool gost = suite == Suite::gost256 || suite == Suite::gost512 || suite == Suite::gost2001;
  return algorithm_der(digest_oid(suite_info(suite).digest), gost);
}

Bytes make_signature_algorithm(Suite suite, OidStyle style) {
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
  return {};
}

constexpr Suite kSuites[] = {Suite::sm2, Suite::gost256, Suite::gost512, Suite::p256, Suite::gost2001};

}  // namespace

// Both identifiers are encoded once per process: every signature names them.
const Bytes& digest_algorithm_for(Suite suite) {
  static const auto table = [] {
    std::map<Suite, Bytes> t;
    for (const Suite s : kSuites) t[s] = make_digest_algorithm(s);
    return t;
  }();
  return table.at(suite);
}

const Bytes& signature_algorithm_for(Suite suite, OidStyle style) {
  if (suite == Suite::gost2001)
    throw UsageError("GOST R 34.10-2001 keys verify archived signatures only: sign with gost256 or gost512");
  static const auto table = [] {
    std::map<std::pair<Suite, OidStyle>, Bytes> t;
    for (const Suite s : kSuites)
      for (const OidStyle style : {OidStyle::pkcs7, OidStyle::gmt}) t[{s, style}] = make_signature_algorithm(s, style);
    return t;
  }();
  return table.at({suite, style});
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

namespace {

// SEQUENCE { type, SET { value } }, the type already encoded, written with one allocation.
Bytes single_valued_attribute(const Bytes& type, ByteView value) {
  const std::size_t set_len = der_header_size(value.size()) + value.size();
  const std::size_t length = type.size() + set_len;
  Bytes out;
  out.reserve(der_header_size(length) + length);
  append_der_header(out, 0x30, length);
  out.insert(out.end(), type.begin(), type.end());
  append_der_header(out, 0x31, value.size());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

}  // namespace

// The three attributes every CAdES-B signature carries are made with their types encoded once.
Bytes content_type_attribute(std::string_view econtent_type) {
  thread_local detail::PerThreadMemo<Bytes, 16> made;
  return made.get(econtent_type, [&] { return attribute(oid::content_type, {oid_der(econtent_type)}); });
}

Bytes message_digest_attribute(ByteView digest) {
  static const Bytes type = oid_der(oid::message_digest);
  return single_valued_attribute(type, der_tlv(0x04, digest));
}

Bytes signing_time_attribute(TimePoint t) {
  static const Bytes type = oid_der(oid::signing_time);
  // UTCTime through 2049, GeneralizedTime after (RFC 5652 §11.3).
  return single_valued_attribute(type, x509_time_der(t));
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

namespace {

// What a signer's certificate contributes to every signature it makes (its ESS attribute, its
// SignerIdentifier) is made once per certificate in a thread. The key is the certificate's
// SHA-256 (kept with it) and `what`, on the stack.
template <class Make>
Bytes per_certificate(const Certificate& cert, char what, Make&& make) {
  thread_local detail::PerThreadMemo<Bytes, 64> made;
  const Bytes& sha256 = cert.digest(DigestAlgorithm::sha256);
  std::array<char, 33> key{};
  std::memcpy(key.data(), sha256.data(), std::min(sha256.size(), std::size_t{32}));
  key[32] = what;
  return made.get(std::string_view(key.data(), key.size()), std::forward<Make>(make));
}

}  // namespace

Bytes signing_certificate_v2_attribute(const Certificate& cert, Suite suite) {
  return per_certificate(cert, static_cast<char>(suite), [&] { return make_signing_certificate_v2_attribute(cert, suite); });
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
  // The signature covers the attributes as a DER SET OF (tag 0x31); in the SignerInfo they
  // travel as [0] IMPLICIT (tag 0xA0) with the same content.
  Bytes attrs = set_of(std::move(signed_attributes));
  const Bytes signature = signer.key.sign(attrs, signer.options);
  attrs[0] = 0xa0;
  const Bytes sid = per_certificate(signer.certificate, 'I', [&] {
    return sequence({signer.certificate.issuer().der(), integer_der(signer.certificate.serial())});
  });
  static constexpr std::uint8_t kVersion[] = {0x02, 0x01, 0x01};
  return sequence({kVersion, sid, digest_algorithm_for(suite), attrs, signature_algorithm_for(suite, style),
                   der_tlv(0x04, signature)});
}

namespace {

// The optional SETs (certificates, CRLs) are left out when empty.
template <class Element>
std::size_t optional_set_size(const std::vector<Element>& elements) {
  return elements.empty() ? 0 : set_in_order_size(elements);
}

template <class Element>
void append_optional_set(Bytes& out, std::uint8_t tag, const std::vector<Element>& elements) {
  if (!elements.empty()) append_set_in_order(out, elements, tag);
}

void append(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

}  // namespace

// The lengths are worked out first and every header written in place: the SignedData is one
// buffer (two around an attached document, which is streamed between them).
void write_signed_data(const SignedDataParts& p, const std::function<void(ByteView)>& sink) {
  static const Bytes signed_data_type = oid_der(oid::signed_data), gm_signed_data_type = oid_der(oid::gm_signed_data);
  const Bytes& ci_type = p.style == OidStyle::gmt ? gm_signed_data_type : signed_data_type;
  const std::size_t digest_algs_size = set_in_order_size(p.digest_algorithms);  // sorted, the same length
  thread_local detail::PerThreadMemo<Bytes, 16> content_types;
  const Bytes& type = content_types.get(p.econtent_type, [&] { return oid_der(p.econtent_type); });
  if (p.version < 0 || p.version > 127) throw InternalError("SignedData version out of range");
  const std::array<std::uint8_t, 3> version{0x02, 0x01, static_cast<std::uint8_t>(p.version)};

  // EncapsulatedContentInfo: eContentType [, [0] EXPLICIT OCTET STRING].
  std::uint64_t octets_len = 0, encap_len = type.size();  // octets_len: the OCTET STRING's whole TLV
  if (p.content) {
    octets_len = der_header_size(p.content_length) + p.content_length;
    encap_len += der_header_size(octets_len) + octets_len;
  }
  const std::uint64_t sd_len = version.size() + digest_algs_size + der_header_size(encap_len) + encap_len +
                               optional_set_size(p.certificates) + optional_set_size(p.crls) + set_in_order_size(p.signer_infos);
  const std::uint64_t explicit_len = der_header_size(sd_len) + sd_len;
  const std::uint64_t ci_len = ci_type.size() + der_header_size(explicit_len) + explicit_len;

  // The buffer is kept for the thread's next SignedData: a fresh one of a few KiB per signature
  // went to malloc's slow path (and its fastbin consolidation) every time. A nested call finds
  // none and makes its own; one grown past 64 KiB (embedded CRLs) is let go.
  thread_local Bytes spare;
  Bytes out = std::move(spare);
  out.clear();
  out.reserve(p.content ? 256 + digest_algs_size : der_header_size(ci_len) + ci_len);
  append_der_header(out, 0x30, ci_len);
  append(out, ci_type);
  append_der_header(out, 0xa0, explicit_len);
  append_der_header(out, 0x30, sd_len);
  append(out, version);
  append_set_of(out, p.digest_algorithms, 0x31);
  append_der_header(out, 0x30, encap_len);
  append(out, type);
  if (p.content) {
    append_der_header(out, 0xa0, octets_len);
    append_der_header(out, 0x04, p.content_length);
    sink(out);
    p.content->stream_range(p.content_offset, p.content_length, sink);
    out.clear();
  }
  // Signers keep the order in which they signed (CMS is BER: SET OF need not be sorted), so
  // that "signer 2" names the same signature before and after a countersignature is added.
  append_optional_set(out, 0xa0, p.certificates);
  append_optional_set(out, 0xa1, p.crls);
  append_set_in_order(out, p.signer_infos, 0x31);
  sink(out);
  if (out.capacity() <= 64 * 1024) spare = std::move(out);
}

}  // namespace sign::cms_detail
