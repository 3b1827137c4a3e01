// The report as a page a customs officer or bank clerk reads: the verdict first in plain words,
// then per signature who signed, why the verdict, the trust path drawn as a chain (marking where
// it crosses the border), revocation and time-stamp evidence. One self-contained XHTML file:
// no script, no fetched style or font. Every string from a signature or certificate is escaped.
#include <sign/asic.hpp>
#include <sign/io.hpp>
#include <sign/validate.hpp>

#include "validate/report_internal.hpp"

#include <sstream>

namespace sign {

std::string detail::html_escape(std::string_view text) {
  std::string out;
  for (const char c : valid_utf8(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters are not allowed in XML 1.0: shown as a visible escape.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += printable_text(std::string(1, c));
        else out += c;
    }
  }
  return out;
}

namespace {

using detail::html_escape;

std::string css_class(Indication i) {
  switch (i) {
    case Indication::total_passed: return "passed";
    case Indication::total_failed: return "failed";
    case Indication::indeterminate: return "indeterminate";
  }
  return "indeterminate";
}

constexpr std::string_view kStyle = R"(
body{font-family:"Noto Sans","Noto Sans CJK SC","DejaVu Sans",sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.45}
header.verdict{border-radius:6px;padding:1em 1.5em;margin-bottom:1.5em;color:#fff}
.passed{background:#1e7b34}.failed{background:#b3261e}.indeterminate{background:#a15c00}
header.verdict h1{margin:0 0 .2em 0;font-size:2em}header.verdict p{margin:.2em 0}
section.signature{border:1px solid #ccc;border-radius:6px;padding:1em 1.5em;margin-bottom:1.5em}
section.signature h2{margin-top:0}span.badge{display:inline-block;border-radius:4px;padding:0 .5em;color:#fff;font-size:.9em}
dl{display:grid;grid-template-columns:max-content auto;gap:.3em 1em}dt{font-weight:bold}dd{margin:0}
ol.chain{list-style:none;padding:0}ol.chain li{border:1px solid #999;border-radius:4px;padding:.4em .8em;margin:.3em 0}
ol.chain li.CN{border-left:8px solid #de2910}ol.chain li.RU{border-left:8px solid #0039a6}
ol.chain li.border{border:none;text-align:center;font-weight:bold;color:#555}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
ul.warnings li{color:#a15c00}footer{color:#777;font-size:.85em}section.documents{margin-bottom:1.5em}
)";

class HtmlReport {
 public:
  HtmlReport(Language lang) : lang_(lang) {}

  std::string T(std::string_view key, std::initializer_list<MessageArg> args = {}) const {
    return html_escape(translate(lang_, key, args));
  }

  void begin(Indication overall, const std::string& title_file) {
    out_ << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"" << language_tag(lang_)
         << "\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>" << T("html.title") << " — " << html_escape(title_file)
         << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
    out_ << "<header class=\"verdict " << css_class(overall) << "\" id=\"verdict\">\n<h1>"
         << html_escape(translate(lang_, std::string("verdict.") + verdict_key(overall))) << "</h1>\n<p>"
         << T("indication." + std::string(indication_name(overall))) << " (" << indication_name(overall) << ")</p>\n";
  }

  void subject_line(std::string_view label_key, const std::string& value) {
    if (!value.empty()) out_ << "<p>" << T(label_key) << ": " << html_escape(value) << "</p>\n";
  }
  void end_header() { out_ << "</header>\n"; }

  void problems(const std::vector<std::string>& items, const std::string& css) {
    if (items.empty()) return;
    out_ << "<ul class=\"" << css << "\">\n";
    for (const auto& p : items) out_ << "<li>" << html_escape(p) << "</li>\n";
    out_ << "</ul>\n";
  }

  void documents(const AsicReport& r) {
    out_ << "<section class=\"documents\">\n<h2>" << T("html.documents") << "</h2>\n<table>\n";
    for (const auto& d : r.documents) {
      std::string by;
      for (const auto i : d.signed_by) {
        const auto& s = r.report.signatures[i - 1];
        by += (by.empty() ? "" : ", ") + std::string("[") + std::to_string(i) + "] " + html_escape(s.signer) + " (" +
              std::string(indication_name(s.indication)) + ")";
      }
      out_ << "<tr><td>" << html_escape(d.name) << "</td><td>" << (by.empty() ? "<strong>" + T("html.not_signed") + "</strong>" : by)
           << "</td></tr>\n";
    }
    out_ << "</table>\n</section>\n";
  }

  void signature(const SignatureReport& s, const std::string& label) {
    out_ << "<section class=\"signature\" id=\"signature-" << html_escape(label) << "\">\n<h2><span class=\"badge "
         << css_class(s.indication) << "\">" << html_escape(translate(lang_, std::string("verdict.") + verdict_key(s.indication)))
         << "</span> " << T("html.signature", {{"n", label}}) << (s.signer.empty() ? "" : " — " + html_escape(detail::common_name(s.signer)))
         << "</h2>\n";
    out_ << "<p class=\"why\">"
         << (s.sub_indication != SubIndication::none ? T("sub_indication." + std::string(sub_indication_name(s.sub_indication)))
                                                     : T("indication." + std::string(indication_name(s.indication))))
         << " (" << indication_name(s.indication)
         << (s.sub_indication != SubIndication::none ? " / " + std::string(sub_indication_name(s.sub_indication)) : "")
         << ")</p>\n";
    out_ << "<dl>\n";
    item("html.details", s.message);
    item("html.signer", s.signer);
    for (const auto& [k, v] : s.identifiers) item_raw(html_escape(k), v);
    for (const auto& [k, v] : s.profile) item_raw(html_escape(k), v);
    if (s.claimed_signing_time) item("html.signed_at", format_time(*s.claimed_signing_time));
    item("html.checked_at", format_time(s.validation_time) + " (" + s.validation_time_source + ")");
    if (!s.level.empty()) item("html.level", s.format + "-" + s.level);
    if (!s.suite.empty()) item("html.algorithm", s.suite + " (" + s.digest_algorithm + ")");
    if (!s.commitment.empty()) item("html.commitment", s.commitment);
    for (const auto& c : s.signed_objects) item("html.covers", c);
    if (!s.vouched_by.empty()) item("html.recognized", s.vouched_by);
    if (!s.receipt.empty()) item("html.receipt", s.receipt);
    out_ << "</dl>\n";
    chain(s);
    evidence(s);
    problems(s.warnings, "warnings");
    for (const auto& cs : s.counter_signatures) signature(cs, label + "." + std::to_string(cs.index));
    out_ << "</section>\n";
  }

  void footer() {
    out_ << "<footer><p>" << T("html.generated", {{"time", format_time(std::chrono::floor<std::chrono::seconds>(now()))}})
         << "</p></footer>\n</body>\n</html>\n";
  }

  std::string str() const { return out_.str(); }

 private:
  static std::string verdict_key(Indication i) {
    return i == Indication::total_passed ? "VALID" : i == Indication::total_failed ? "INVALID" : "NOT_PROVEN";
  }
  void item(std::string_view key, const std::string& value) {
    if (!value.empty()) item_raw(T(key), value);
  }
  void item_raw(const std::string& escaped_label, const std::string& value) {
    out_ << "<dt>" << escaped_label << "</dt><dd>" << html_escape(value) << "</dd>\n";
  }

  // The path from the signer to the verifier's anchor; a marker where the domain changes.
  void chain(const SignatureReport& s) {
    if (s.path.empty()) return;
    out_ << "<h3>" << T(s.cross_border ? "html.path_cross_border" : "html.path") << "</h3>\n<ol class=\"chain\">\n";
    for (std::size_t i = 0; i < s.path.size(); ++i) {
      const auto& p = s.path[i];
      if (i > 0 && s.path[i - 1].domain != p.domain)
        out_ << "<li class=\"border\">⇅ " << T("html.border", {{"from", s.path[i - 1].domain}, {"to", p.domain}}) << "</li>\n";
      out_ << "<li class=\"" << html_escape(p.domain) << "\"><strong>[" << html_escape(p.domain) << ", " << html_escape(p.suite) << "] "
           << html_escape(p.role) << "</strong><br/>" << html_escape(p.subject) << "<br/><small>" << html_escape(p.serial) << " · "
           << format_time(p.not_before) << " — " << format_time(p.not_after)
           << (p.source.empty() ? "" : " · " + html_escape(p.source)) << "</small></li>\n";
    }
    out_ << "</ol>\n";
  }

  void evidence(const SignatureReport& s) {
    if (!s.revocation.empty()) {
      out_ << "<h3>" << T("html.revocation") << "</h3>\n<table>\n";
      for (const auto& r : s.revocation)
        out_ << "<tr><td>" << html_escape(r.certificate) << "</td><td>" << html_escape(r.status) << "</td><td>" << html_escape(r.kind)
             << (r.crl_number ? " #" + std::to_string(*r.crl_number) : "") << "</td><td>" << html_escape(r.source)
             << (r.revocation_time ? "<br/>" + format_time(*r.revocation_time) + " " + html_escape(r.reason) : "") << "</td></tr>\n";
      out_ << "</table>\n";
    }
    std::vector<std::pair<std::string, const TimeStampEvidence*>> stamps;
    if (s.time_stamp) stamps.push_back({"html.time_stamp", &*s.time_stamp});
    for (const auto& a : s.archive_time_stamps) stamps.push_back({"html.archive_time_stamp", &a});
    if (s.x_time_stamp) stamps.push_back({"html.time_stamp", &*s.x_time_stamp});
    if (stamps.empty()) return;
    out_ << "<h3>" << T("html.time_stamps") << "</h3>\n<table>\n";
    for (const auto& [key, t] : stamps)
      out_ << "<tr><td>" << T(key) << "</td><td>" << (t->time ? format_time(*t->time) : "?") << "</td><td>" << html_escape(t->tsa)
           << "</td><td>" << (t->valid ? T("html.valid") : html_escape(t->message)) << "</td></tr>\n";
    out_ << "</table>\n";
  }

  Language lang_;
  std::ostringstream out_;
};

}  // namespace

std::string report_to_html(const ValidationReport& report, Language lang) {
  HtmlReport h(lang);
  h.begin(report.overall(), report.signature_file);
  h.subject_line("html.signature_file", report.signature_file);
  h.subject_line("html.document", report.document);
  h.end_header();
  if (!report.input_error.empty()) h.problems({report.input_error}, "problems");
  for (const auto& s : report.signatures) h.signature(s, std::to_string(s.index));
  h.footer();
  return h.str();
}

std::string asic_report_to_html(const AsicReport& report, Language lang) {
  HtmlReport h(lang);
  h.begin(report.overall(), report.container);
  h.subject_line("html.container", report.container + (report.form.empty() ? "" : " (" + report.form + ")"));
  h.end_header();
  h.problems(report.problems, "problems");
  h.problems(report.warnings, "warnings");
  h.documents(report);
  for (const auto& s : report.report.signatures) h.signature(s, std::to_string(s.index));
  h.footer();
  return h.str();
}

}  // namespace sign
