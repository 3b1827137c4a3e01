// Algorithm URIs and value encodings of XML signatures per suite. Sources (docs/interop.md):
// GOST — draft-chudov-cryptopro-cpxmldsig-09 (the urn:ietf:params:xml:ns:cpxmlsec family,
// SignatureValue s||r as RFC 4491); SM2 — China E-Port and customs client practice (r||s);
// P-256 — RFC 6931 / XMLDSig 1.1 (r||s).
#include "xades/xades_internal.hpp"

#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/pki.hpp>

#include <botan/hex.h>
#include <botan/system_rng.h>

namespace sign::xades_detail {
namespace {

struct SignatureUri {
  std::string_view uri;
  Suite suite;
};
// Every spelling read; the first of each suite is written (SM2: per XmlSm2Uris).
constexpr SignatureUri kSignatureUris[] = {
    {"urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256", Suite::gost256},
    {"urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512", Suite::gost512},
    {"http://www.w3.org/2001/04/xmldsig-more#gostr34102012-gostr34112012-256", Suite::gost256},
    {"http://www.w3.org/2001/04/xmldsig-more#gostr34102012-gostr34112012-512", Suite::gost512},
    {"http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3", Suite::sm2},
    {"http://www.w3.org/2000/09/xmldsig#sm2-sm3", Suite::sm2},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", Suite::p256},
};

struct DigestUri {
  std::string_view uri;
  DigestAlgorithm alg;
};
constexpr DigestUri kDigestUris[] = {
    {"urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256", DigestAlgorithm::streebog256},
    {"urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512", DigestAlgorithm::streebog512},
    {"http://www.w3.org/2001/04/xmldsig-more#gostr34112012-256", DigestAlgorithm::streebog256},
    {"http://www.w3.org/2001/04/xmldsig-more#gostr34112012-512", DigestAlgorithm::streebog512},
    {"http://www.chinaport.gov.cn/2022/04/xmldsig#sm3", DigestAlgorithm::sm3},
    {"http://www.w3.org/2000/09/xmldsig#sm3", DigestAlgorithm::sm3},
    {"http://www.w3.org/2001/04/xmlenc#sha256", DigestAlgorithm::sha256},
};

std::size_t half_width(Suite suite) { return suite == Suite::gost512 ? 64 : 32; }

// Big-endian unsigned integer padded (or refused when too long) to `width` bytes.
Bytes fixed_width(ByteView be, std::size_t width) {
  while (!be.empty() && be.front() == 0) be = be.subspan(1);
  if (be.size() > width) throw FormatError("a signature component is longer than the curve allows");
  Bytes out(width - be.size(), 0);
  out.insert(out.end(), be.begin(), be.end());
  return out;
}

}  // namespace

SuiteUris suite_uris(Suite suite, XmlSm2Uris sm2) {
  switch (suite) {
    case Suite::gost256: return {kSignatureUris[0].uri, kDigestUris[0].uri};
    case Suite::gost512: return {kSignatureUris[1].uri, kDigestUris[1].uri};
    case Suite::sm2:
      return sm2 == XmlSm2Uris::chinaport ? SuiteUris{kSignatureUris[4].uri, kDigestUris[4].uri}
                                          : SuiteUris{kSignatureUris[5].uri, kDigestUris[5].uri};
    case Suite::p256: return {kSignatureUris[6].uri, kDigestUris[6].uri};
    case Suite::gost2001: break;
  }
  throw UsageError("suite " + std::string(suite_name(suite)) + " does not make XML signatures");
}

std::optional<Suite> suite_from_signature_uri(std::string_view uri) {
  for (const auto& s : kSignatureUris)
    if (s.uri == uri) return s.suite;
  return std::nullopt;
}

std::optional<DigestAlgorithm> digest_from_uri(std::string_view uri) {
  for (const auto& d : kDigestUris)
    if (d.uri == uri) return d.alg;
  return std::nullopt;
}

std::string_view digest_uri(DigestAlgorithm alg, XmlSm2Uris sm2) {
  switch (alg) {
    case DigestAlgorithm::streebog256: return kDigestUris[0].uri;
    case DigestAlgorithm::streebog512: return kDigestUris[1].uri;
    case DigestAlgorithm::sm3: return sm2 == XmlSm2Uris::chinaport ? kDigestUris[4].uri : kDigestUris[5].uri;
    case DigestAlgorithm::sha256: return kDigestUris[6].uri;
    default: break;
  }
  throw UsageError("digest " + std::string(digest_name(alg)) + " has no XML signature URI here");
}

Bytes to_xml_signature_value(Suite suite, ByteView sig) {
  if (suite == Suite::gost256 || suite == Suite::gost512) return Bytes(sig.begin(), sig.end());
  // DER SEQUENCE { INTEGER r, INTEGER s } -> r || s
  const auto src = memory_source(Bytes(sig.begin(), sig.end()));
  const DerNode seq = read_der_node(*src, 0, src->size());
  const auto parts = der_children(*src, seq);
  if (seq.tag != 0x30 || parts.size() != 2) throw FormatError("the signature is not a DER (r, s) pair");
  Bytes out = fixed_width(der_content(*src, parts[0]), half_width(suite));
  const Bytes s = fixed_width(der_content(*src, parts[1]), half_width(suite));
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes from_xml_signature_value(Suite suite, ByteView value) {
  const std::size_t n = half_width(suite);
  if (value.size() != 2 * n)
    throw FormatError("the SignatureValue has " + std::to_string(value.size()) + " bytes; suite " +
                      std::string(suite_name(suite)) + " signatures have " + std::to_string(2 * n));
  if (suite == Suite::gost256 || suite == Suite::gost512) return Bytes(value.begin(), value.end());
  return sequence({integer_der(value.first(n)), integer_der(value.subspan(n))});
}

std::string xml_time(TimePoint t) { return format_time(t); }

std::string_view commitment_uri(Commitment c) {
  switch (c) {
    case Commitment::proof_of_origin: return "http://uri.etsi.org/01903/v1.2.2#ProofOfOrigin";
    case Commitment::proof_of_receipt: return "http://uri.etsi.org/01903/v1.2.2#ProofOfReceipt";
    case Commitment::proof_of_approval: return "http://uri.etsi.org/01903/v1.2.2#ProofOfApproval";
    case Commitment::none: break;
  }
  return {};
}

Bytes issuer_serial_der(const Certificate& c) {
  return sequence({der_tlv(0x30, der_tlv(0xa4, c.issuer().der())), integer_der(c.serial())});
}

std::string fresh_id() {
  std::uint8_t b[8];
  Botan::system_rng().randomize(b, sizeof b);
  return Botan::hex_encode(b, sizeof b, false);
}

}  // namespace sign::xades_detail
