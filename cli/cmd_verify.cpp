// `xsign verify`: the verdict a customs officer or bank acts on, trusting only the roots in
// the verifier's own trust store.
#include "commands.hpp"
#include "container_commands.hpp"
#include "exit_codes.hpp"
#include "language.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "progress.hpp"
#include "trust_setup.hpp"
#include "xml_signing.hpp"

#include <sign/error.hpp>
#include <sign/channel.hpp>
#include <sign/io.hpp>
#include <sign/validate.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <algorithm>
#include <iostream>
#include <set>
#include <thread>

#include <unistd.h>

namespace xsign {
namespace {

namespace fs = std::filesystem;

struct VerifyArgs {
  std::vector<std::string> files;
  std::string at, sm2_id = "1234567812345678";
  std::vector<std::string> receipts;
  TrustArgs t;
  bool json = false;
  std::string report_html;  ///< also write the report as a page here
  std::string report_xml, report_key, report_cert;  ///< ETSI TS 119 102-2 report, signed when a key is given
  PassphraseOptions pass;
};

// --report-xml: the ETSI report, signed (XAdES enveloped) by the verifier when --report-key is given.
void write_etsi_report(const VerifyArgs& a, const sign::Bytes& xml) {
  if (a.report_xml.empty()) {
    if (!a.report_key.empty()) throw sign::UsageError("--report-key signs the --report-xml report: give --report-xml FILE");
    return;
  }
  check_output(a.report_xml, new_output_policy());
  sign::Bytes out = xml;
  if (!a.report_key.empty()) {
    if (a.report_cert.empty()) throw sign::UsageError("--report-key needs --report-cert");
    const auto cert = sign::Certificate::load(a.report_cert);
    const sign::SignerSpec signer{open_key(a.report_key, a.pass, cert.public_key()), cert, {}, {}, sign::Commitment::none,
                                  std::chrono::floor<std::chrono::seconds>(sign::now())};
    sign::XadesOptions o;
    o.placement = sign::XmlPlacement::enveloped;
    out = sign::xades_sign(sign::Content::bytes(xml), "the validation report", signer, o);
  }
  sign::write_file_atomic(a.report_xml, out, sign::FileMode::public_0644, new_output_policy());
}

// `verify DOC` (signature DOC.p7s), `verify DOC.p7s` (document beside it or attached),
// or `verify DOC SIG`. `named`: the user named the document (not guessed from SIG's name).
struct DocumentAndSignature {
  std::string doc, sig;
  bool named = true;
};

DocumentAndSignature document_and_signature(const VerifyArgs& a) {
  if (a.files.size() == 2) return {a.files[0], a.files[1]};
  const std::string& f = a.files[0];
  if (f == "-") return {"", "-", false};  // an attached signature on standard input
  if (f.size() > 4 && f.ends_with(".p7s")) {
    const std::string stem = f.substr(0, f.size() - 4);
    return {fs::exists(stem) ? stem : "", f, false};
  }
  if (f.size() > 8 && f.ends_with(".sig.xml")) {  // a detached XAdES signature beside its document
    const std::string stem = f.substr(0, f.size() - 8);
    return {fs::exists(stem) ? stem : "", f, false};
  }
  if (!fs::exists(f + ".p7s") && fs::exists(f + ".sig.xml")) return {f, f + ".sig.xml"};
  // Signed XML holds its own signature (enveloped or enveloping).
  if (!fs::exists(f + ".p7s") && is_xml_file(f)) return {"", f, false};
  return {f, f + ".p7s"};
}

int print_verdict(sign::ValidationReport& report, const std::string& signature, const std::string& document,
                  const VerifyArgs& a);

int verify(const VerifyArgs& a) {
  // An ASiC container holds its documents (a file; standard input stays for .p7s and XML).
  if (a.files.size() == 1 && a.files[0] != "-" && is_zip_file(a.files[0])) {
    if (!a.receipts.empty()) throw sign::UsageError("--receipt applies to CMS signatures, not containers");
    auto setup = load_trust_setup(a.t);
    if (!a.at.empty()) setup.options.validation_time = sign::parse_time(a.at);
    setup.options.sign_options.sm2_id = a.sm2_id;
    return verify_container(input_path(a.files[0]), setup, a.json, a.report_html,
                            [&](const sign::Bytes& xml) { write_etsi_report(a, xml); });
  }
  auto [doc, sig, named] = document_and_signature(a);
  const std::string shown_sig = sig == "-" ? "standard input" : sig, shown_doc = doc == "-" ? "standard input" : doc;
  sig = input_path(sig);
  if (named) doc = input_path(doc);
  std::error_code ec;
  if (!fs::exists(sig, ec)) throw sign::NoInputError(sig + ": no such signature file" + (ec ? " (" + ec.message() + ")" : ""));
  auto setup = load_trust_setup(a.t);
  const auto& trust = setup.trust;
  const auto& policy = setup.policy;
  auto& o = setup.options;
  if (!a.at.empty()) o.validation_time = sign::parse_time(a.at);
  o.sign_options.sm2_id = a.sm2_id;

  sign::ValidationReport report;
  try {
    if (is_xml_file(sig)) {
      std::optional<sign::Content> content;
      if (!doc.empty()) content = sign::Content::file(doc);
      report = sign::validate_xml_signatures(sign::read_file(sig, sign::kMaxXmlFileBytes), shown_sig, content, trust, policy, o);
      if (!a.receipts.empty()) throw sign::UsageError("--receipt applies to CMS signatures");
      return print_verdict(report, shown_sig, content ? shown_doc : "", a);
    }
    const auto sd = sign::SignedDataView::load(sig);
    if (!sd.attached() && doc.empty())
      throw sign::UsageError(sig + " is a detached signature: name the document too (xsign verify DOC " + sig + ")");
    std::optional<sign::Content> content;
    // A document the user named beside an attached signature is compared with the attached
    // one; a guessed one (SIG without .p7s) is not used at all.
    if (!sd.attached() || named) {
      content = sign::Content::file(doc);
      content->source = with_progress(content->source, "checking " + doc);
    }
    else doc.clear();
    report = sign::validate_signed_data(sd, content, trust, policy, o);
    for (const auto& r : a.receipts) {
      const auto sig_bytes = sign::read_file(sig);
      const auto doc_content = sd.attached() ? *sd.attached_content() : *content;
      sign::apply_receipt(report, sign::verify_receipt(sign::read_file(r), doc_content, sig_bytes, trust.anchors,
                                                       trust.intermediates, o.validation_time.value_or(sign::now()),
                                                       policy));
    }
  } catch (const sign::FormatError& e) {
    // A signature file that cannot be parsed is a verdict, not a tool error.
    report = sign::format_failure_report(sig, e.what());
  }
  return print_verdict(report, shown_sig, doc.empty() ? "" : shown_doc, a);  // no document: the attached one was checked
}

int print_verdict(sign::ValidationReport& report, const std::string& signature, const std::string& document,
                  const VerifyArgs& a) {
  report.signature_file = signature;
  report.document = document;
  if (!a.report_html.empty()) write_report_page(a.report_html, sign::report_to_html(report, language()));
  // The ETSI report only when asked for: rendering it builds an XML tree (and loads libxml2).
  if (!a.report_xml.empty() || !a.report_key.empty()) write_etsi_report(a, sign::report_to_etsi_xml(report));
  std::cout << (a.json ? sign::report_to_json(report) : sign::report_to_text(report, language()));
  return exit_code_of(report.overall());
}

struct BatchArgs {
  std::vector<std::string> files;
  std::string at;
  unsigned jobs = 0;
  TrustArgs t;
  bool json = false;
  bool json_lines = false;  ///< one compact report per line, for streaming consumers
};

int verify_batch(const BatchArgs& a) {
  auto setup = load_trust_setup(a.t);
  auto& o = setup.options;
  if (!a.at.empty()) o.validation_time = sign::parse_time(a.at);
  std::vector<sign::BatchItem> items;
  std::set<std::string> seen;  // a file named twice (overlapping globs) is verified once
  for (const auto& f : a.files) {
    const bool p7s = f.size() > 4 && f.ends_with(".p7s");
    const std::string doc = p7s ? f.substr(0, f.size() - 4) : f;
    const std::string sig = p7s ? f : f + ".p7s";
    std::error_code ec;
    const auto canonical = fs::weakly_canonical(sig, ec);
    if (!seen.insert(ec ? sig : canonical.string()).second) continue;
    items.push_back({sig, fs::exists(doc) && doc != f + ".p7s" ? doc : ""});
  }
  const unsigned jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::size_t valid = 0, failed = 0, unproven = 0, input_errors = 0;
  if (a.json) std::cout << "[\n";
  // On a terminal the verdict lines go to stdout; a bar would interleave, so it is drawn only
  // when stdout is not the same terminal (e.g. `verify-batch ... > results.txt`).
  std::unique_ptr<Progress> bar;
  if (!::isatty(STDOUT_FILENO)) bar = std::make_unique<Progress>("verifying", items.size(), false);
  // Reports are printed as they finish, in input order: memory does not grow with the batch.
  sign::validate_batch(items, setup.trust, setup.policy, o, jobs, [&](std::size_t i, const sign::ValidationReport& r) {
    if (bar) bar->advance_to(i + 1);
    const bool last = i + 1 == items.size();
    if (a.json_lines) {
      std::cout << nlohmann::json::parse(sign::report_to_json(r)).dump() << "\n" << std::flush;
    } else if (a.json) {
      std::string j = sign::report_to_json(r);
      j.pop_back();
      std::cout << j << (last ? "\n" : ",\n");
    }
    if (!r.input_error.empty()) {
      ++input_errors;
      if (!a.json && !a.json_lines)
        std::cout << tr("input_error") << "  " << sign::printable_text(items[i].signature_file) << "  ("
                  << sign::printable_text(r.input_error) << ")\n";
      return;
    }
    const auto overall = r.overall();
    (overall == sign::Indication::total_passed ? valid : overall == sign::Indication::total_failed ? failed : unproven)++;
    if (!a.json && !a.json_lines) {
      std::cout << sign::indication_name(overall) << "  " << sign::printable_text(items[i].signature_file);
      for (const auto& s : r.signatures)
        if (s.sub_indication != sign::SubIndication::none)
          std::cout << "  [" << s.index << ": " << sign::sub_indication_name(s.sub_indication) << "]";
      std::cout << "\n";
    }
  });
  if (a.json) std::cout << "]\n";
  std::cout.flush();
  std::cerr << "xsign: "
            << tr("batch_tally", {{"files", std::to_string(items.size())},
                                  {"threads", std::to_string(jobs)},
                                  {"valid", std::to_string(valid)},
                                  {"invalid", std::to_string(failed)},
                                  {"unproven", std::to_string(unproven)},
                                  {"errors", std::to_string(input_errors)}})
            << "\n";
  // Any failed file fails the batch; then a file that could not be read is an input error;
  // otherwise any unproven one makes it indeterminate.
  return failed ? kExitFailed : input_errors ? kExitNoInput : unproven ? kExitIndeterminate : kExitOk;
}

}  // namespace

void register_verify_command(CLI::App& app, Context& ctx) {
  auto b = std::make_shared<BatchArgs>();
  auto* vb = app.add_subcommand("verify-batch", "Validate many signed files in parallel (one line per file)");
  vb->add_option("files", b->files, "DOC.p7s files (document beside each), or documents (DOC.p7s beside)")->required();
  vb->add_option("--jobs", b->jobs, "Threads (default: the number of cores)");
  vb->add_option("--trust", b->t.trust, "Trust store (as for verify)");
  vb->add_option("--policy", b->t.policy, "Validation policy");
  vb->add_option("--untrusted", b->t.untrusted, "More intermediate or cross-certificates (repeatable)");
  vb->add_option("--crl", b->t.crls, "A CRL to use for revocation (repeatable)");
  vb->add_option("--at", b->at, "Validate as of this UTC time");
  add_network_options(*vb, b->t);
  vb->add_flag("--json", b->json, "A JSON array of reports");
  vb->add_flag("--json-lines", b->json_lines, "One JSON report per line, as each finishes (JSON Lines)")->excludes("--json");
  vb->footer("Exit codes: 1 if any file failed, else 66 if a file could not be read (INPUT-ERROR), else 2 if any "
             "is not proven, else 0.");
  vb->callback([b, &ctx] { ctx.exit_code = verify_batch(*b); });

  auto a = std::make_shared<VerifyArgs>();
  auto* v = app.add_subcommand("verify",
                               "Validate a signed document: VALID (exit 0), INVALID (1) or NOT PROVEN (2), and why");
  v->add_option("files", a->files,
                "DOC [SIG] | DOC.p7s (signature beside the document, or attached) | signed XML | C.asice / C.asics")
      ->required()
      ->expected(1, 2);
  v->add_option("--trust", a->t.trust,
                "Trust anchors: a PEM bundle, or a directory with anchors/, certs/, crls/, lists/, policy.toml "
                "(default $XSIGN_TRUST, then ~/.config/xsign/trust)");
  v->add_option("--policy", a->t.policy, "Validation policy (TOML; see docs/verify.md)");
  v->add_option("--untrusted", a->t.untrusted, "More intermediate or cross-certificates (repeatable)");
  v->add_option("--crl", a->t.crls, "A CRL to use for revocation (repeatable)");
  v->add_option("--receipt", a->receipts, "A TTP validation receipt for this document and signature (repeatable)");
  add_network_options(*v, a->t);
  v->add_option("--at", a->at, "Validate as of this time instead of now (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or with a UTC offset: ...T15:00:00+03:00)");
  v->add_option("--sm2-id", a->sm2_id, "SM2 distinguishing ID of the signers")->capture_default_str();
  v->add_flag("--json", a->json, "Machine-readable report (schema in docs/verify.md)");
  v->add_option("--report-html", a->report_html,
                "Also write the report as a page for people (self-contained HTML, in --lang); never replaces a file "
                "without --force")
      ->type_name("FILE");
  v->add_option("--report-xml", a->report_xml,
                "Also write an ETSI TS 119 102-2 validation report (XML); never replaces a file without --force")
      ->type_name("FILE");
  v->add_option("--report-key", a->report_key, "Sign the --report-xml report (XAdES enveloped) with this key (file, pkcs11:, ext:)");
  v->add_option("--report-cert", a->report_cert, "The certificate of --report-key");
  add_passphrase_options(*v, a->pass, false);
  v->callback([a, &ctx] { ctx.exit_code = verify(*a); });
}

}  // namespace xsign
