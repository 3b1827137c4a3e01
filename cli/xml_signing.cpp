// XAdES output for `sign`, `cosign` and `extend`. The XML is built in memory (the document is
// parsed anyway), and each file appears only complete: written to a temporary file beside the
// destination, then renamed.
#include "xml_signing.hpp"

#include "output.hpp"

#include <sign/error.hpp>
#include <sign/tsp.hpp>
#include <sign/validate.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace xsign {
namespace {

namespace fs = std::filesystem;

void write_xml(const std::string& out, const sign::Bytes& xml, sign::Overwrite overwrite) {
  if (out.empty() || out == "-") {
    std::cout.write(reinterpret_cast<const char*>(xml.data()), static_cast<std::streamsize>(xml.size()));
    if (!std::cout.flush()) throw sign::IoError("writing to standard output failed");
    return;
  }
  sign::write_file_atomic(out, xml, sign::FileMode::public_0644, overwrite);
}

std::function<sign::Bytes(sign::ByteView, sign::DigestAlgorithm)> stamper(const std::string& tsa, const std::string& tsa_ca) {
  return [tsa, tsa_ca](sign::ByteView data, sign::DigestAlgorithm alg) {
    return sign::request_time_stamp(tsa, alg, data, std::chrono::seconds(10), tsa_ca).der;
  };
}

sign::Bytes read_xml(const std::string& path) {
  return sign::read_file(path, sign::kMaxXmlFileBytes);
}

bool has_validation_data(const sign::Bytes& xml, const std::string& what) {
  const auto summaries = sign::summarize_xml_signatures(xml, what);
  return std::all_of(summaries.begin(), summaries.end(),
                     [](const sign::XmlSignatureSummary& s) { return s.level == "LT" || s.level == "LTA"; });
}

// T, LT, LTA on XML in memory, each level building on the one before; what the signatures
// already carry is not added twice.
sign::Bytes raise(sign::Bytes xml, const std::string& what, const std::optional<sign::Content>& document,
                  const std::string& to, const std::string& tsa, const std::string& tsa_ca, const TrustArgs* trust_args) {
  if (to != "T" && to != "LT" && to != "LTA") throw sign::UsageError("--to must be T, LT or LTA for XAdES");
  if (tsa.empty() && to != "LT") throw sign::UsageError("XAdES-" + to + " needs --tsa URL");
  if (!tsa.empty()) xml = sign::xades_add_signature_time_stamps(xml, what, stamper(tsa, tsa_ca));
  if (to == "T") return xml;
  if (to == "LT" || !has_validation_data(xml, what)) {
    const TrustArgs none;
    const auto setup = load_trust_setup(trust_args ? *trust_args : none);
    const auto checks = sign::check_xml_signatures(xml, what, document);
    const auto data = sign::collect_xml_validation_data(checks, setup.trust, setup.policy, setup.options);
    require_validation_data(data.problems, "make the signature verifiable offline");
    xml = sign::xades_add_validation_data(xml, what, data.certificates, data.crls, data.ocsp_responses);
  }
  if (to == "LTA") xml = sign::xades_add_archive_time_stamps(xml, what, document, stamper(tsa, tsa_ca));
  return xml;
}

}  // namespace

bool is_xml_file(const std::string& path) {
  // Only regular files are sniffed: a FIFO or device would block or be consumed here; the
  // caller's own open then reports what it is.
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char head[512];
  in.read(head, sizeof head);
  return sign::looks_like_xml(sign::ByteView(reinterpret_cast<const std::uint8_t*>(head), static_cast<std::size_t>(in.gcount())));
}

std::string default_xml_output(const std::string& input, sign::XmlPlacement placement) {
  if (placement == sign::XmlPlacement::detached) return input + ".sig.xml";
  const fs::path p(input);
  return (p.parent_path() / (p.stem().string() + ".signed.xml")).string();
}

void sign_xml(const XmlSignRequest& r, const sign::SignerSpec& signer, sign::Overwrite overwrite) {
  if (r.input == "-") throw sign::UsageError("XAdES signs a document named as a file (not standard input)");
  check_output(r.out, overwrite);
  const auto content = sign::Content::file(r.input);
  sign::Bytes xml = sign::xades_sign(content, r.input, signer, r.options);
  const std::optional<sign::Content> document =
      r.options.placement == sign::XmlPlacement::detached ? std::optional<sign::Content>(content) : std::nullopt;
  if (r.level != "B") xml = raise(std::move(xml), r.out, document, r.level, r.tsa, r.tsa_ca, r.trust);
  write_xml(r.out, xml, overwrite);
}

void cosign_xml(const std::string& input, const std::string& out, const sign::SignerSpec& signer,
                const sign::XadesOptions& options, sign::Overwrite overwrite) {
  check_output(out, overwrite);
  write_xml(out, sign::xades_cosign(read_xml(input), std::nullopt, signer, options), overwrite);
}

void extend_xml(const std::string& input, const std::string& document, const std::string& out, const std::string& to,
                const std::string& tsa, const std::string& tsa_ca, const TrustArgs& trust, sign::Overwrite overwrite) {
  check_output(out, overwrite);
  std::optional<sign::Content> doc;
  if (!document.empty()) doc = sign::Content::file(document);
  write_xml(out, raise(read_xml(input), input, doc, to, tsa, tsa_ca, &trust), overwrite);
}

}  // namespace xsign
