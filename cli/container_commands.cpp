// ASiC containers from the command line. The library does the work (sign/asic.hpp); this file
// picks names, prints what happened and maps verdicts to exit codes.
#include "container_commands.hpp"

#include "exit_codes.hpp"
#include "language.hpp"
#include "output.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace xsign {

namespace fs = std::filesystem;

bool is_zip_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;  // never sniff a FIFO or device
  std::ifstream in(path, std::ios::binary);
  char head[4];
  in.read(head, sizeof head);
  return sign::looks_like_zip(
      sign::ByteView(reinterpret_cast<const std::uint8_t*>(head), static_cast<std::size_t>(in.gcount())));
}

std::string default_container_output(const std::string& first_document, sign::AsicForm form) {
  const fs::path p(first_document);
  return (p.parent_path() / p.stem()).string() + (form == sign::AsicForm::simple ? ".asics" : ".asice");
}

void sign_container(const std::vector<std::string>& documents, const std::string& out, const sign::SignerSpec& signer,
                    const sign::AsicOptions& options) {
  std::vector<sign::AsicDocument> docs;
  for (const auto& d : documents) {
    if (d == "-") throw sign::UsageError("a container holds named files; standard input cannot be one of them");
    const auto path = input_path(d);
    if (!fs::is_regular_file(path)) throw sign::NoInputError(d + ": not a regular file");
    docs.push_back({fs::path(d).filename().string(), sign::Content::file(path), {}});
  }
  sign::asic_create(out, docs, signer, options, new_output_policy());
  std::cerr << "xsign: signed " << docs.size() << " document(s) into " << out << " ("
            << sign::asic_form_name(options.form) << ", " << sign::asic_format_name(options.format) << ", "
            << sign::suite_name(signer.key.suite()) << ", " << signer.certificate.subject().to_string() << ")\n";
}

void cosign_container(const std::string& input, const std::string& out, const sign::SignerSpec& signer,
                      sign::XmlSm2Uris sm2_uris, sign::Overwrite overwrite) {
  sign::asic_cosign(input_path(input), out, signer, sm2_uris, overwrite);
  std::cerr << "xsign: added a signature (" << sign::suite_name(signer.key.suite()) << ", "
            << signer.certificate.subject().to_string() << ") over every document of " << out << "\n";
}

void write_report_page(const std::string& path, const std::string& html) {
  check_output(path, new_output_policy());
  sign::write_file_atomic(path, html, sign::FileMode::public_0644, new_output_policy());
}

int verify_container(const std::string& path, TrustSetup& setup, bool json, const std::string& report_html,
                     const std::function<void(const sign::Bytes&)>& write_etsi_report) {
  auto report = sign::validate_asic(path, setup.trust, setup.policy, setup.options);
  if (!report.report.input_error.empty()) throw sign::NoInputError(report.report.input_error);
  if (!report_html.empty()) write_report_page(report_html, sign::asic_report_to_html(report, language()));
  write_etsi_report(sign::asic_report_to_etsi_xml(report));
  std::cout << (json ? sign::asic_report_to_json(report) : sign::asic_report_to_text(report, language()));
  return exit_code_of(report.overall());
}

void extract_container(const std::string& path, const std::string& directory) {
  const std::string dir = directory.empty() ? (fs::path(path).parent_path() / fs::path(path).stem()).string() : directory;
  const auto written = sign::asic_extract(path, dir, new_output_policy());
  for (const auto& f : written) std::cout << sign::printable_text(f) << "\n";
  std::cerr << "xsign: " << written.size() << " document(s) extracted from " << path << " into " << dir
            << " (not validated: run `xsign verify " << path << "`)\n";
}

int inspect_container(const std::string& path, bool json) {
  const auto c = sign::AsicContainer::open(input_path(path));
  nlohmann::json j{{"container", path},
                   {"form", sign::asic_form_name(c.form())},
                   {"warnings", c.warnings()},
                   {"documents", nlohmann::json::array()},
                   {"signature_files", nlohmann::json::array()}};
  for (const auto& d : c.documents()) j["documents"].push_back({{"name", d.name}, {"size", d.size}});
  for (const auto& s : c.signature_files())
    j["signature_files"].push_back({{"name", s.name},
                                    {"format", sign::asic_format_name(s.format)},
                                    {"manifest", s.manifest.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.manifest)},
                                    {"bytes", s.bytes.size()}});
  if (json) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << sign::printable_text(path) << ": " << sign::asic_form_name(c.form()) << " container, "
            << c.documents().size() << " document(s), " << c.signature_files().size() << " signature file(s)\n";
  for (const auto& w : c.warnings()) std::cout << "  warning: " << sign::printable_text(w) << "\n";
  for (const auto& d : c.documents()) std::cout << "  document  " << sign::printable_text(d.name) << " (" << d.size << " bytes)\n";
  for (const auto& s : c.signature_files())
    std::cout << "  signature " << s.name << " (" << sign::asic_format_name(s.format)
              << (s.manifest.empty() ? "" : ", signs " + s.manifest) << ")\n";
  std::cout << "(not validated: run `xsign verify " << sign::printable_text(path) << "`)\n";
  return kExitOk;
}

}  // namespace xsign
