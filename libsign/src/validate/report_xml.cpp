// The report as an ETSI TS 119 102-2 validation report (XML, namespace
// http://uri.etsi.org/19102/v1.2.1#), what DSS and national validation services exchange. Per
// signature, in the schema's order: SignatureIdentifier, ValidationTimeInfo, SignatureAttributes,
// SignerInformation, SignatureValidationProcess, SignatureValidationStatus (main indication,
// sub-indication, the certificate chain); then the certificates as validation objects,
// represented by their SHA-256 digest.
#include <sign/asic.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/validate.hpp>

#include "xades/xades_internal.hpp"
#include "xml/xml.hpp"

#include <set>

namespace sign {
namespace {

using namespace xml;

constexpr std::string_view kVr = "http://uri.etsi.org/19102/v1.2.1#";

using xades_detail::xml_time;

std::string main_indication_uri(Indication i) {
  switch (i) {
    case Indication::total_passed: return "urn:etsi:019102:mainindication:total-passed";
    case Indication::total_failed: return "urn:etsi:019102:mainindication:total-failed";
    case Indication::indeterminate: return "urn:etsi:019102:mainindication:indeterminate";
  }
  return "urn:etsi:019102:mainindication:indeterminate";
}

// The report keeps the commitment by name (SignatureReport::commitment); empty when none.
std::string commitment_uri(const std::string& name) {
  return name.empty() ? std::string() : std::string(xades_detail::commitment_uri(parse_commitment(name)));
}

// xs:ID of a certificate validation object (an NCName: it starts with a letter).
std::string certificate_id(const PathEntry& p) { return "C-" + p.fingerprint; }

Bytes hex_bytes(const std::string& hex) {
  try {
    return from_hex(hex);
  } catch (const Error&) {
    return {};
  }
}

class XmlReport {
 public:
  XmlReport() : doc_(Document::create(kVr, "vr", "ValidationReport")) {}

  void signature(const SignatureReport& s, const std::string& id) {
    Node* r = add_element(doc_.root(), kVr, "vr", "SignatureValidationReport");
    Node* ident = add_element(r, kVr, "vr", "SignatureIdentifier");
    set_attribute(ident, "id", id);
    add_element(ident, kVr, "vr", "HashOnly", "false");
    add_element(ident, kVr, "vr", "DocHashOnly", "false");

    Node* time = add_element(r, kVr, "vr", "ValidationTimeInfo");
    add_element(time, kVr, "vr", "ValidationTime", xml_time(s.validation_time));
    Node* best = add_element(time, kVr, "vr", "BestSignatureTime");
    const bool stamped = s.time_stamp && s.time_stamp->valid && s.time_stamp->time;
    add_element(best, kVr, "vr", "POETime", xml_time(stamped ? *s.time_stamp->time : s.validation_time));
    add_element(best, kVr, "vr", "TypeOfProof",
                stamped ? "urn:etsi:019102:poetype:validation" : "urn:etsi:019102:poetype:provided");

    if (s.claimed_signing_time || !commitment_uri(s.commitment).empty() || s.time_stamp) {
      Node* attrs = add_element(r, kVr, "vr", "SignatureAttributes");
      if (s.claimed_signing_time) {
        Node* st = add_element(attrs, kVr, "vr", "SigningTime");
        set_attribute(st, "Signed", "true");
        add_element(st, kVr, "vr", "Time", xml_time(*s.claimed_signing_time));
      }
      if (const auto uri = commitment_uri(s.commitment); !uri.empty()) {
        Node* c = add_element(attrs, kVr, "vr", "CommitmentTypeIndication");
        set_attribute(c, "Signed", "true");
        add_element(c, kVr, "vr", "CommitmentTypeIdentifier", uri);
      }
      if (s.time_stamp && s.time_stamp->time) {
        Node* ts = add_element(attrs, kVr, "vr", "SignatureTimeStamp");
        set_attribute(ts, "Signed", "false");
        add_element(ts, kVr, "vr", "TimeStampValue", xml_time(*s.time_stamp->time));
      }
    }

    if (!s.path.empty()) {
      Node* info = add_element(r, kVr, "vr", "SignerInformation");
      set_attribute(add_element(info, kVr, "vr", "SignerCertificate"), "VOReference", certificate_id(s.path.front()));
      add_element(info, kVr, "vr", "Signer", valid_utf8(s.signer));
    }

    Node* process = add_element(r, kVr, "vr", "SignatureValidationProcess");
    add_element(process, kVr, "vr", "SignatureValidationProcessID",
                s.level == "LTA" || !s.archive_time_stamps.empty() ? "urn:etsi:019102:validationprocess:LTA"
                : s.time_stamp                                    ? "urn:etsi:019102:validationprocess:LTVM"
                                                                  : "urn:etsi:019102:validationprocess:Basic");

    Node* status = add_element(r, kVr, "vr", "SignatureValidationStatus");
    add_element(status, kVr, "vr", "MainIndication", main_indication_uri(s.indication));
    if (s.sub_indication != SubIndication::none)
      add_element(status, kVr, "vr", "SubIndication",
                  "urn:etsi:019102:subindication:" + std::string(sub_indication_name(s.sub_indication)));
    if (!s.path.empty()) {
      Node* data = add_element(status, kVr, "vr", "AssociatedValidationReportData");
      Node* chain = add_element(data, kVr, "vr", "CertificateChain");
      set_attribute(add_element(chain, kVr, "vr", "SigningCertificate"), "VOReference", certificate_id(s.path.front()));
      for (std::size_t i = 1; i + 1 < s.path.size(); ++i)
        set_attribute(add_element(chain, kVr, "vr", "IntermediateCertificate"), "VOReference", certificate_id(s.path[i]));
      if (s.path.size() > 1 && s.path.back().role == "trust anchor")
        set_attribute(add_element(chain, kVr, "vr", "TrustAnchor"), "VOReference", certificate_id(s.path.back()));
      for (const auto& p : s.path) certificates_.push_back(p);
    }
  }

  void objects() {
    std::set<std::string> seen;
    Node* list = nullptr;
    for (const auto& p : certificates_) {
      const Bytes digest = hex_bytes(p.fingerprint);
      if (digest.empty() || !seen.insert(p.fingerprint).second) continue;
      if (!list) list = add_element(doc_.root(), kVr, "vr", "SignatureValidationObjects");
      Node* o = add_element(list, kVr, "vr", "ValidationObject");
      set_attribute(o, "id", certificate_id(p));
      add_element(o, kVr, "vr", "ObjectType", "urn:etsi:019102:validationObject:certificate");
      Node* rep = add_element(add_element(o, kVr, "vr", "ValidationObjectRepresentation"), kVr, "vr", "DigestAlgAndValue");
      set_attribute(add_element(rep, xml::kDsNs, "ds", "DigestMethod"), "Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256");
      add_element(rep, xml::kDsNs, "ds", "DigestValue", base64(digest));
    }
  }

  Bytes bytes() const { return doc_.serialize(); }

 private:
  Document doc_;
  std::vector<PathEntry> certificates_;
};

Bytes render(const std::vector<SignatureReport>& signatures) {
  XmlReport x;
  for (const auto& s : signatures) {
    x.signature(s, "S-" + std::to_string(s.index));
    for (const auto& cs : s.counter_signatures) x.signature(cs, "S-" + std::to_string(s.index) + "-" + std::to_string(cs.index));
  }
  x.objects();
  return x.bytes();
}

}  // namespace

Bytes report_to_etsi_xml(const ValidationReport& report) {
  if (report.signatures.empty()) {
    // The schema wants at least one SignatureValidationReport: a file that could not be read is
    // reported as one signature that failed its format check.
    return render(format_failure_report(report.signature_file, report.input_error.empty() ? "no signature" : report.input_error)
                      .signatures);
  }
  return render(report.signatures);
}

Bytes asic_report_to_etsi_xml(const AsicReport& report) { return report_to_etsi_xml(report.report); }

}  // namespace sign
