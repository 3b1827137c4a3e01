// RFC 3029 Data Validation and Certification Server messages: the requests a TTP answers (vsd,
// vpkc) and its signed DVCSResponse. The ASN.1 module of RFC 3029 uses IMPLICIT TAGS.
//
//   DVCSRequest ::= SEQUENCE { requestInformation DVCSRequestInformation, data Data,
//                              transactionIdentifier GeneralName OPTIONAL }
//   DVCSRequestInformation ::= SEQUENCE { version INTEGER DEFAULT 1, service ServiceType,
//       nonce INTEGER OPTIONAL, requestTime DVCSTime OPTIONAL, requester [0] GeneralNames OPTIONAL,
//       requestPolicy [1] PolicyInformation OPTIONAL, dvcs [2] GeneralNames OPTIONAL,
//       dataLocations [3] GeneralName OPTIONAL, extensions [4] IMPLICIT Extensions OPTIONAL }
//   Data ::= CHOICE { message OCTET STRING, messageImprint DigestInfo,
//                     certs [0] SEQUENCE SIZE (1..MAX) OF TargetEtcChain }
//   DVCSResponse ::= CHOICE { dvCertInfo DVCSCertInfo, dvErrorNote [0] DVCSErrorNotice }
//   DVCSCertInfo ::= SEQUENCE { version INTEGER DEFAULT 1, dvReqInfo DVCSRequestInformation,
//       messageImprint DigestInfo, serialNumber INTEGER, responseTime DVCSTime,
//       dvStatus [0] PKIStatusInfo OPTIONAL, policy [1] PolicyInformation OPTIONAL,
//       reqSignature [2] SignerInfos OPTIONAL, certs [3] SEQUENCE OF TargetEtcChain OPTIONAL,
//       extensions Extensions OPTIONAL }
#include "channel/dvcs_internal.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <algorithm>

namespace sign {

using namespace dvcs_detail;

namespace {

constexpr std::uint8_t kSequence = 0x30, kInteger = 0x02, kEnumerated = 0x0a, kOctetString = 0x04, kUtf8 = 0x0c,
                       kGeneralizedTime = 0x18;

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (const auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes small_integer(unsigned v) { return integer_der(Bytes{static_cast<std::uint8_t>(v)}); }

Bytes extension(std::string_view oid, ByteView value) {
  return sequence({oid_der(oid), der_tlv(kOctetString, value)});
}

// DVCSRequestInformation with version 1 left to its DEFAULT.
Bytes request_information(DvcsService service, ByteView nonce, const std::vector<Bytes>& extensions) {
  Bytes body = der_tlv(kEnumerated, Bytes{static_cast<std::uint8_t>(service)});
  if (!nonce.empty()) body = concat({body, integer_der(nonce)});
  body = concat({body, generalized_time_der(std::chrono::floor<std::chrono::seconds>(now()))});
  if (!extensions.empty()) {
    Bytes list;
    for (const auto& e : extensions) list.insert(list.end(), e.begin(), e.end());
    body = concat({body, der_tlv(0xa4, list)});  // [4] IMPLICIT Extensions
  }
  return der_tlv(kSequence, body);
}

Bytes content_info(std::string_view type, ByteView content) {
  return sequence({oid_der(type), der_tlv(0xa0, content)});
}

Bytes digest_info(DigestAlgorithm alg, ByteView digest) {
  return sequence({algorithm_der(digest_oid(alg)), der_tlv(kOctetString, digest)});
}

// PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString SEQUENCE OF UTF8String OPTIONAL }
Bytes status_info(unsigned status, const std::string& text) {
  const Bytes utf8 = der_tlv(kUtf8, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  return sequence({small_integer(status), der_tlv(kSequence, utf8)});
}

// The signed DVCS response: a SignedData in the TTP's suite over the DER DVCSResponse.
Bytes signed_response(ByteView response, const SignerSpec& ttp) {
  SignOutputOptions options;
  options.attached = true;
  options.econtent_type = std::string(kDvcsResponseData);
  Bytes out;
  sign_document(Content::bytes(Bytes(response.begin(), response.end())), ttp, options,
                [&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return out;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

Bytes make_dvcs_vsd_request(ByteView signature_file, const std::optional<Content>& document, ByteView nonce) {
  std::vector<Bytes> extensions;
  if (document) {
    if (document->source->size() > kMaxDvcsDocumentBytes)
      throw UsageError("the document is larger than " + std::to_string(kMaxDvcsDocumentBytes >> 20) +
                       " MiB, the most a DVCS request carries; send an attached signature or its hash-only form");
    extensions.push_back(extension(kDocumentExtension, document->source->read_range(0, document->source->size())));
  }
  const Bytes request = sequence({request_information(DvcsService::vsd, nonce, extensions),
                                  der_tlv(kOctetString, signature_file)});
  return content_info(kDvcsRequestData, request);
}

Bytes make_dvcs_vpkc_request(const std::vector<Certificate>& certificates, ByteView nonce) {
  if (certificates.empty()) throw UsageError("a vpkc request names at least one certificate");
  Bytes chains;
  for (const auto& c : certificates) {
    // TargetEtcChain { target CertEtcToken: certificate [0] IMPLICIT Certificate }
    const Bytes& der = c.der();
    Bytes target(der.begin(), der.end());
    target[0] = 0xa0;
    const Bytes chain = der_tlv(kSequence, target);
    chains.insert(chains.end(), chain.begin(), chain.end());
  }
  const Bytes request = sequence({request_information(DvcsService::vpkc, nonce, {}), der_tlv(0xa0, chains)});
  return content_info(kDvcsRequestData, request);
}

DvcsRequest parse_dvcs_request(ByteView der) {
  const auto src = memory_source(Bytes(der.begin(), der.end()));
  const DerNode top = read_ber_node(*src, 0, src->size());
  if (top.tag != kSequence) throw FormatError("a DVCS request is a ContentInfo (SEQUENCE)");
  const std::string type = oid_from_der(der_bytes(*src, der_child(*src, top, 0)));
  Bytes request_der;
  if (type == kDvcsRequestData) {
    const DerNode wrapper = der_child(*src, top, 1);
    request_der = der_bytes(*src, der_child(*src, wrapper, 0));
  } else if (type == "1.2.840.113549.1.7.2") {
    // A signed request: the requester's signature is not needed to answer it.
    const auto sd = SignedDataView::parse(memory_source(Bytes(der.begin(), der.end())));
    if (sd.econtent_type() != kDvcsRequestData || !sd.attached())
      throw FormatError("a signed DVCS request must carry id-ct-DVCSRequestData");
    const auto content = *sd.attached_content();
    request_der = content.source->read_range(0, content.source->size());
  } else {
    throw FormatError("not a DVCS request (content type " + type + ")");
  }
  return parse_request_body(ber_to_der(request_der));
}

namespace dvcs_detail {

DvcsRequest parse_request_body(const Bytes& der) {
  const auto src = memory_source(der);
  const DerNode request = read_der_node(*src, 0, src->size());
  if (request.tag != kSequence) throw FormatError("DVCSRequest is not a SEQUENCE");
  const DerNode info = der_child(*src, request, 0);
  const DerNode data = der_child(*src, request, 1);
  DvcsRequest r;
  r.request_information = der_bytes(*src, info);
  bool service_seen = false;
  for (const auto& f : der_children(*src, info)) {
    if (f.tag == kInteger && !service_seen) {
      if (der_content(*src, f) != Bytes{1}) throw FormatError("unsupported DVCS version");
    } else if (f.tag == kEnumerated) {
      const Bytes v = der_content(*src, f);
      if (v == Bytes{2}) r.service = DvcsService::vsd;
      else if (v == Bytes{3}) r.service = DvcsService::vpkc;
      else
        throw FormatError("DVCS service " + std::to_string(v.empty() ? 0 : v.back()) +
                          " is not offered (this TTP answers vsd and vpkc)");
      service_seen = true;
    } else if (f.tag == kInteger) {
      r.nonce = der_content(*src, f);
    } else if (f.tag == kGeneralizedTime) {
      r.request_time = decode_der_time(der_bytes(*src, f));
    } else if (f.tag == 0xa4) {
      for (const auto& e : der_children(*src, f)) {
        const auto parts = der_children(*src, e);
        if (parts.size() < 2) throw FormatError("malformed extension in the DVCS request");
        if (oid_from_der(der_bytes(*src, parts[0])) == kDocumentExtension)
          r.document = der_content(*src, parts.back());
      }
    }
  }
  if (!service_seen) throw FormatError("the DVCS request names no service");
  if (r.service == DvcsService::vsd) {
    if (data.tag != kOctetString) throw FormatError("a vsd request carries the signed document as Data.message");
    r.signed_document = der_content(*src, data);
  } else {
    if (data.tag != 0xa0) throw FormatError("a vpkc request carries certificates as Data.certs ([0])");
    for (const auto& chain : der_children(*src, data)) {
      const DerNode target = der_child(*src, chain, 0);
      if (target.tag != 0xa0) throw FormatError("only certificates are accepted as vpkc targets");
      Bytes cert = der_bytes(*src, target);
      cert[0] = kSequence;
      r.certificates.push_back(Certificate::from_der(cert));
    }
    if (r.certificates.empty()) throw FormatError("the vpkc request names no certificate");
  }
  return r;
}

// dvReqInfo: the request information as received, without xsign's document extension (the
// response binds the document by its digest instead of carrying it back).
Bytes echoed_request_information(const Bytes& info_der) {
  const auto src = memory_source(info_der);
  const DerNode info = read_der_node(*src, 0, src->size());
  Bytes body;
  for (const auto& f : der_children(*src, info)) {
    if (f.tag == 0xa4) {
      Bytes kept;
      for (const auto& e : der_children(*src, f)) {
        if (oid_from_der(der_bytes(*src, der_child(*src, e, 0))) == kDocumentExtension) continue;
        const Bytes b = der_bytes(*src, e);
        kept.insert(kept.end(), b.begin(), b.end());
      }
      if (!kept.empty()) {
        const Bytes ext = der_tlv(0xa4, kept);
        body.insert(body.end(), ext.begin(), ext.end());
      }
      continue;
    }
    const Bytes b = der_bytes(*src, f);
    body.insert(body.end(), b.begin(), b.end());
  }
  return der_tlv(kSequence, body);
}

}  // namespace dvcs_detail

Bytes answer_dvcs_request(const DvcsRequest& request, const TrustStore& trust, const ValidationPolicy& policy,
                          const SignerSpec& ttp, TimePoint at, ByteView serial, const ValidateOptions& options) {
  const DigestAlgorithm alg = suite_info(ttp.key.suite()).digest;
  DvcsAnswer answer;
  Bytes imprint;
  std::vector<Bytes> extensions;
  Bytes certs_field;
  if (request.service == DvcsService::vsd) {
    // messageImprint: the digest of Data.message, the signature file as sent.
    imprint = digest_bytes(alg, request.signed_document);
    answer = validate_for_dvcs(request, trust, policy, options);
    if (request.document)
      extensions.push_back(extension(kDocumentDigestExtension,
                                     digest_info(alg, digest_bytes(alg, *request.document))));
  } else {
    Bytes all;
    for (const auto& c : request.certificates) all.insert(all.end(), c.der().begin(), c.der().end());
    imprint = digest_bytes(alg, all);
    std::vector<Bytes> chains;
    answer = validate_certificates_for_dvcs(request.certificates, trust, options, at, chains);
    Bytes list;
    for (const auto& c : chains) list.insert(list.end(), c.begin(), c.end());
    certs_field = der_tlv(0xa3, list);  // [3] IMPLICIT SEQUENCE OF TargetEtcChain
  }
  if (!answer.report_json.empty())
    extensions.push_back(extension(kReportExtension, ByteView(reinterpret_cast<const std::uint8_t*>(answer.report_json.data()),
                                                              answer.report_json.size())));
  Bytes status = status_info(answer.valid ? 0 : 2, one_line(answer.summary));
  status[0] = 0xa0;  // dvStatus [0] IMPLICIT PKIStatusInfo
  Bytes body = concat({echoed_request_information(request.request_information), digest_info(alg, imprint),
                       integer_der(serial), generalized_time_der(std::chrono::floor<std::chrono::seconds>(at)), status,
                       certs_field});
  if (!extensions.empty()) {
    Bytes list;
    for (const auto& e : extensions) list.insert(list.end(), e.begin(), e.end());
    body = concat({body, der_tlv(kSequence, list)});
  }
  return signed_response(der_tlv(kSequence, body), ttp);
}

Bytes dvcs_error_response(const std::string& message, const SignerSpec& ttp) {
  Bytes notice = sequence({status_info(2, one_line(message))});
  notice[0] = 0xa0;  // dvErrorNote [0] IMPLICIT DVCSErrorNotice
  return signed_response(notice, ttp);
}

bool is_dvcs_response(ByteView der) {
  try {
    return SignedDataView::parse(memory_source(Bytes(der.begin(), der.end()))).econtent_type() == kDvcsResponseData;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace sign
