// `xsign inspect` (what a signature file holds, and whether each signer's cryptography holds)
// and `xsign extract` (the document an attached signature carries). Neither validates trust:
// that is `xsign verify`.
#include "commands.hpp"
#include "container_commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "xml_signing.hpp"

#include <sign/cms.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include <unistd.h>

namespace xsign {
namespace {

namespace fs = std::filesystem;

struct InspectArgs {
  std::string input, content, out, out_dir, sm2_id = "1234567812345678";
  bool json = false;
};

nlohmann::json cert_json(const sign::Certificate& c) {
  nlohmann::json j{{"subject", c.subject().to_string()},
                   {"issuer", c.issuer().to_string()},
                   {"serial", c.serial_hex()},
                   {"not_before", sign::format_time(c.not_before())},
                   {"not_after", sign::format_time(c.not_after())},
                   {"sha256", c.fingerprint()}};
  j["suite"] = sign::suite_name(c.public_key().suite());
  return j;
}

nlohmann::json signer_json(const sign::SignedDataView& sd, const sign::SignerInfoView& si,
                           const sign::SignerCheck* check) {
  nlohmann::json j{{"digest_algorithm", si.digest_oid}, {"signature_algorithm", si.signature_oid},
                   {"signed_attributes", !si.signed_attrs_der.empty()}};
  if (si.sid_issuer) {
    j["sid"] = {{"issuer", si.sid_issuer->to_string()}, {"serial", sign::to_hex(si.sid_serial)}};
  } else {
    j["sid"] = {{"subject_key_identifier", sign::to_hex(si.sid_key_id)}};
  }
  if (const auto t = si.signing_time()) j["signing_time"] = sign::format_time(*t);
  if (si.commitment() != sign::Commitment::none) j["commitment"] = sign::commitment_name(si.commitment());
  if (const auto c = sd.find_signer_certificate(si)) j["certificate"] = cert_json(*c);
  if (check) {
    j["cryptography"] = {{"status", sign::check_status_name(check->status)},
                         {"message", check->ok() ? "the cryptography holds" : check->message},
                         {"signing_certificate_checked", check->signing_certificate_checked}};
  }
  j["counter_signatures"] = nlohmann::json::array();
  for (std::size_t k = 0; k < si.counter_signatures.size(); ++k)
    j["counter_signatures"].push_back(signer_json(
        sd, si.counter_signatures[k],
        check && k < check->counter_signatures.size() ? &check->counter_signatures[k] : nullptr));
  return j;
}

void print_signer(const nlohmann::json& s, const std::string& first, const std::string& indent) {
  std::cout << first << "signed by: "
            << (s.contains("certificate") ? s["certificate"]["subject"].get<std::string>() : "(certificate not included)")
            << "\n";
  if (s.contains("certificate"))
    std::cout << indent << "  suite " << s["certificate"]["suite"].get<std::string>() << ", certificate serial "
              << s["certificate"]["serial"].get<std::string>() << "\n";
  std::cout << indent << "  digest " << s["digest_algorithm"].get<std::string>() << ", signature "
            << s["signature_algorithm"].get<std::string>() << "\n";
  if (s.contains("signing_time")) std::cout << indent << "  signing time " << s["signing_time"].get<std::string>() << "\n";
  if (s.contains("commitment")) std::cout << indent << "  commitment " << s["commitment"].get<std::string>() << "\n";
  if (s.contains("cryptography")) {
    const bool ok = s["cryptography"]["status"] == "valid";
    std::cout << indent << "  cryptography: " << (ok ? "OK" : "FAILED (" + s["cryptography"]["status"].get<std::string>() + ")")
              << " - " << s["cryptography"]["message"].get<std::string>() << "\n";
  }
  for (const auto& cs : s["counter_signatures"]) {
    print_signer(cs, indent + "  countersignature ", indent + "    ");
  }
}

// The document of an attached signature, streamed out (never through memory).
void do_extract(const InspectArgs& a) {
  if (a.input != "-" && is_zip_file(a.input)) {
    if (!a.out.empty()) throw sign::UsageError("a container holds several documents: use --out-dir DIR, not --out");
    return extract_container(a.input, a.out_dir);
  }
  if (!a.out_dir.empty()) throw sign::UsageError("--out-dir is for containers (.asice, .asics); use --out FILE");
  const auto sd = sign::SignedDataView::load(input_path(a.input));
  const auto content = sd.attached_content();
  if (!content) throw sign::UsageError(a.input + " is a detached signature: it does not carry the document");
  const bool to_stdout = a.out.empty() || a.out == "-";
  if (to_stdout && ::isatty(STDOUT_FILENO))
    throw sign::UsageError("refusing to write the document to a terminal; use --out FILE (or a pipe)");
  if (to_stdout) {
    content->source->stream_range(0, content->source->size(), [](sign::ByteView c) {
      std::cout.write(reinterpret_cast<const char*>(c.data()), static_cast<std::streamsize>(c.size()));
    });
    if (!std::cout.flush()) throw sign::IoError("writing to standard output failed");
    return;
  }
  const auto overwrite = new_output_policy();
  check_output(a.out, overwrite);
  sign::AtomicFileWriter out(a.out, sign::FileMode::public_0644, overwrite);
  content->source->stream_range(0, content->source->size(), [&](sign::ByteView c) { out.write(c); });
  out.commit();
  std::cerr << "xsign: " << content->source->size() << " bytes extracted from " << a.input << " to " << a.out << "\n";
}

// Signed XML: each ds:Signature, what it references, and its cryptographic check.
int do_inspect_xml(const InspectArgs& a, const std::string& path) {
  const auto xml = sign::read_file(path, sign::kMaxXmlFileBytes);
  std::optional<sign::Content> document;
  if (!a.content.empty()) document = sign::Content::file(a.content);
  else if (a.input.ends_with(".sig.xml") && fs::exists(a.input.substr(0, a.input.size() - 8)))
    document = sign::Content::file(a.input.substr(0, a.input.size() - 8));
  const auto summaries = sign::summarize_xml_signatures(xml, a.input);
  sign::XmlCheckOptions o;
  o.sign_options.sm2_id = a.sm2_id;
  std::vector<sign::XmlSignatureCheck> checks;
  std::string unchecked;
  try {
    checks = sign::check_xml_signatures(xml, a.input, document, o);
  } catch (const sign::UsageError& e) {
    unchecked = e.what();  // a detached signature without its document
  }
  nlohmann::json j{{"file", a.input}, {"format", "XML"}, {"signatures", nlohmann::json::array()}};
  bool all_ok = true;
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    const auto& s = summaries[i];
    nlohmann::json e{{"element", s.element}, {"id", s.id}, {"placement", s.placement}, {"level", s.level},
                     {"signature_method", s.signature_method}, {"references", s.references},
                     {"time_stamps", s.time_stamps}, {"archive_time_stamps", s.archive_time_stamps}};
    if (s.certificate) e["certificate"] = cert_json(*s.certificate);
    if (s.signing_time) e["signing_time"] = sign::format_time(*s.signing_time);
    if (i < checks.size()) {
      e["cryptography"] = {{"status", sign::check_status_name(checks[i].check.status)}, {"message", checks[i].check.message}};
      e["covers"] = checks[i].signed_objects;
      all_ok &= checks[i].check.ok();
    }
    j["signatures"].push_back(e);
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << a.input << ": signed XML, " << summaries.size() << " signature(s):\n";
    for (std::size_t i = 0; i < j["signatures"].size(); ++i) {
      const auto& e = j["signatures"][i];
      std::cout << "  " << i + 1 << ". " << e["element"].get<std::string>() << " (" << e["placement"].get<std::string>()
                << ", " << (e["level"] == "XMLDSig" ? "XMLDSig" : "XAdES-" + e["level"].get<std::string>()) << ")\n"
                << "    signed by: "
                << (e.contains("certificate") ? e["certificate"]["subject"].get<std::string>() : "(no certificate)") << "\n"
                << "    signature method " << e["signature_method"].get<std::string>() << "\n";
      if (e.contains("signing_time")) std::cout << "    signing time " << e["signing_time"].get<std::string>() << "\n";
      if (e.contains("cryptography")) {
        std::cout << "    cryptography: " << (e["cryptography"]["status"] == "valid" ? "OK" : "FAILED") << " - "
                  << e["cryptography"]["message"].get<std::string>() << "\n";
        for (const auto& c : e["covers"]) std::cout << "    covers " << c.get<std::string>() << "\n";
      }
    }
    if (!unchecked.empty()) std::cout << "(not checked: " << unchecked << ")\n";
  }
  return all_ok ? kExitOk : kExitFailed;
}

int do_inspect(const InspectArgs& a) {
  const std::string path = input_path(a.input);
  if (is_xml_file(path)) return do_inspect_xml(a, path);
  if (is_zip_file(path)) return inspect_container(path, a.json);
  const auto sd = sign::SignedDataView::load(path);
  std::optional<sign::Content> content = sd.attached() ? sd.attached_content() : detached_content(a.input, a.content);
  std::vector<sign::SignerCheck> checks;
  if (content) {
    sign::CheckOptions o;
    o.sign_options.sm2_id = a.sm2_id;
    checks = sign::check_signatures(sd, content, o);
  }
  nlohmann::json j{{"file", a.input},
                   {"oid_style", sd.oid_style() == sign::OidStyle::gmt ? "gmt" : "pkcs7"},
                   {"encoding", sd.ber_encoded() ? "ber" : "der"},
                   {"content", {{"attached", sd.attached()}, {"type", sd.econtent_type()}}}};
  if (content) j["content"]["size"] = content->source->size();
  j["content"]["checked"] = content.has_value();
  j["certificates"] = nlohmann::json::array();
  for (const auto& c : sd.certificates()) j["certificates"].push_back(cert_json(c));
  j["signers"] = nlohmann::json::array();
  bool all_ok = true;
  for (std::size_t i = 0; i < sd.signers().size(); ++i) {
    const sign::SignerCheck* check = checks.empty() ? nullptr : &checks[i];
    if (check && !check->ok()) all_ok = false;
    j["signers"].push_back(signer_json(sd, sd.signers()[i], check));
  }
  if (a.json) {
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << a.input << ": SignedData, " << (sd.attached() ? "attached" : "detached") << " content ("
              << (sd.oid_style() == sign::OidStyle::gmt ? "GM/T 0010 OIDs" : "PKCS #7 OIDs")
              << (sd.ber_encoded() ? ", BER" : ", DER") << ")";
    if (content) std::cout << ", " << content->source->size() << " bytes";
    std::cout << "\n" << sd.certificates().size() << " certificate(s):\n";
    for (const auto& c : j["certificates"])
      std::cout << "  " << c["subject"].get<std::string>() << " [" << c["suite"].get<std::string>() << "]\n";
    std::cout << sd.signers().size() << " signer(s):\n";
    for (std::size_t i = 0; i < j["signers"].size(); ++i) {
      print_signer(j["signers"][i], "  " + std::to_string(i + 1) + ". ", "    ");
    }
    if (!content)
      std::cout << "(document not available: give --content DOC to check the cryptography)\n";
  }
  return all_ok ? kExitOk : kExitFailed;
}

}  // namespace

void register_inspect_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<InspectArgs>();
  auto* x = app.add_subcommand("extract", "Write out the document an attached signature carries, or a container's documents");
  x->add_option("signature", a->input,
                "Attached signature (.p7s, DER or PEM; BER as national tools write it), or an ASiC container")
      ->required();
  x->add_option("--out-dir", a->out_dir,
                "Container: the folder for its documents (default: the container's name without extension); "
                "existing files are kept unless --force")
      ->type_name("DIR");
  x->add_option("--out", a->out, "Where to write the document (default: standard output, never a terminal)")
      ->type_name("FILE");
  x->footer("The signature is not validated here: run `xsign verify SIG.p7s` for that.");
  x->callback([a] { do_extract(*a); });

  auto* i = app.add_subcommand("inspect", "Show the signers, attributes and certificates of a .p7s, and check their cryptography");
  i->add_option("signature", a->input, "Signature file (DER or PEM), or signed XML (XAdES, XMLDSig)")->required();
  i->add_option("--content", a->content, "The signed document, for a detached signature (default: SIG without .p7s)");
  i->add_option("--sm2-id", a->sm2_id, "SM2 distinguishing ID of the signers")->capture_default_str();
  i->add_flag("--json", a->json, "Machine-readable output");
  i->callback([a, &ctx] { ctx.exit_code = do_inspect(*a); });
}

}  // namespace xsign
