// What a DVCS answer says: the validations behind vsd and vpkc, and reading a response back.
#include "channel/dvcs_internal.hpp"

#include <sign/error.hpp>

#include <nlohmann/json.hpp>

namespace sign::dvcs_detail {

namespace {

std::string first_problem(const ValidationReport& report) {
  for (const auto& s : report.signatures)
    if (s.indication != Indication::total_passed) return s.message;
  return report.signatures.empty() ? std::string("no signature") : report.signatures.front().message;
}

bool looks_like_xml_bytes(const Bytes& b) { return looks_like_xml(ByteView(b).first(std::min<std::size_t>(b.size(), 512))); }

}  // namespace

DvcsAnswer validate_for_dvcs(const DvcsRequest& request, const TrustStore& trust, const ValidationPolicy& policy,
                             const ValidateOptions& options) {
  ValidationReport report;
  std::optional<Content> document;
  if (request.document) document = Content::bytes(*request.document);
  try {
    if (looks_like_xml_bytes(request.signed_document)) {
      report = validate_xml_signatures(request.signed_document, "the signed document", document, trust, policy, options);
    } else {
      const auto sd = SignedDataView::parse(memory_source(request.signed_document));
      if (!sd.attached() && !document)
        throw FormatError("the signature is detached and the request does not carry its document");
      report = validate_signed_data(sd, sd.attached() ? std::nullopt : document, trust, policy, options);
    }
  } catch (const FormatError& e) {
    report = format_failure_report("the signed document", e.what());
  }
  DvcsAnswer a;
  a.valid = report.overall() == Indication::total_passed;
  a.summary = std::string(indication_name(report.overall())) + ": " + first_problem(report);
  a.report_json = report_to_json(report);
  return a;
}

DvcsAnswer validate_certificates_for_dvcs(const std::vector<Certificate>& certificates, const TrustStore& trust,
                                          const ValidateOptions& options, TimePoint at, std::vector<Bytes>& chains) {
  PathOptions po;
  po.anchors = trust.anchors;
  po.intermediates = trust.intermediates;
  po.intermediates.insert(po.intermediates.end(), options.extra_certificates.begin(), options.extra_certificates.end());
  for (const auto& c : trust.crls) po.crls.push_back(c.crl);
  for (const auto& c : options.extra_crls) po.crls.push_back(c.crl);
  po.validation_time = at;
  po.require_revocation_info = true;
  DvcsAnswer a;
  a.valid = true;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& cert : certificates) {
    const PathResult r = validate_path(cert, po);
    a.valid &= r.ok();
    const std::string text = std::string(status_name(r.status)) + (r.message.empty() ? "" : ": " + r.message);
    if (a.summary.empty() || (!r.ok() && a.summary.rfind("valid", 0) == 0)) a.summary = text;
    results.push_back({{"subject", cert.subject().to_string()}, {"status", status_name(r.status)}, {"message", r.message}});
    // TargetEtcChain { target [0] cert, chain SEQUENCE OF CertEtcToken { pkistatus [2], the path [0]... } }
    auto implicit_certificate = [](const Certificate& c) {
      Bytes d = c.der();
      d[0] = 0xa0;
      return d;
    };
    const Bytes status_text(text.begin(), text.end());
    Bytes status = sequence({integer_der(Bytes{static_cast<std::uint8_t>(r.ok() ? 0 : 2)}),
                             der_tlv(0x30, der_tlv(0x0c, status_text))});
    status[0] = 0xa2;
    Bytes chain = status;
    for (std::size_t i = 1; i < r.path.size(); ++i) {
      const Bytes c = implicit_certificate(r.path[i]);
      chain.insert(chain.end(), c.begin(), c.end());
    }
    chains.push_back(sequence({implicit_certificate(cert), der_tlv(0x30, chain)}));
  }
  a.report_json = nlohmann::json{{"certificates", results}}.dump(2) + "\n";
  return a;
}

ParsedResponse parse_response(ByteView der) {
  const auto src = memory_source(Bytes(der.begin(), der.end()));
  const DerNode top = read_der_node(*src, 0, src->size());
  ParsedResponse p;
  auto status_of = [&](const DerNode& info) {
    const auto parts = der_children(*src, info);
    if (parts.empty() || parts[0].tag != 0x02) throw FormatError("malformed PKIStatusInfo");
    const Bytes v = der_content(*src, parts[0]);
    p.status = v.empty() ? 2 : v.back();
    if (parts.size() > 1 && parts[1].tag == 0x30)
      for (const auto& t : der_children(*src, parts[1])) {
        const Bytes b = der_content(*src, t);
        p.status_text += std::string(b.begin(), b.end());
      }
  };
  if (top.tag == 0xa0) {  // dvErrorNote
    p.error = true;
    status_of(der_child(*src, top, 0));
    return p;
  }
  if (top.tag != 0x30) throw FormatError("not a DVCSResponse");
  const auto fields = der_children(*src, top);
  std::size_t i = 0;
  if (i < fields.size() && fields[i].tag == 0x02) ++i;  // version
  if (i + 4 > fields.size()) throw FormatError("DVCSCertInfo is missing fields");
  ++i;  // dvReqInfo
  const auto imprint = der_children(*src, fields[i++]);
  if (imprint.size() != 2) throw FormatError("malformed messageImprint");
  const std::string alg_oid = oid_from_der(der_bytes(*src, der_child(*src, imprint[0], 0)));
  if (!digest_from_oid(alg_oid, p.imprint_algorithm)) throw FormatError("unsupported digest " + alg_oid);
  p.imprint = der_content(*src, imprint[1]);
  ++i;  // serialNumber
  if (fields[i].tag == 0x18) p.response_time = decode_der_time(der_bytes(*src, fields[i]));
  ++i;
  for (; i < fields.size(); ++i) {
    if (fields[i].tag == 0xa0) {
      status_of(fields[i]);
    } else if (fields[i].tag == 0x30) {  // extensions
      for (const auto& e : der_children(*src, fields[i])) {
        const auto parts = der_children(*src, e);
        if (parts.size() < 2) continue;
        const std::string oid = oid_from_der(der_bytes(*src, parts[0]));
        const Bytes value = der_content(*src, parts.back());
        if (oid == kReportExtension) {
          p.report_json.assign(value.begin(), value.end());
        } else if (oid == kDocumentDigestExtension) {
          const auto v = memory_source(value);
          const DerNode info = read_der_node(*v, 0, v->size());
          p.document_digest = der_content(*v, der_child(*v, info, 1));
        }
      }
    }
  }
  return p;
}

}  // namespace sign::dvcs_detail
