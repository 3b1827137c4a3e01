// The verification page of `xsign serve --ui`: a plain HTML form (no script) that uploads a
// signature file (a .p7s, signed XML or an ASiC container) and, for a detached signature, its
// document; the answer is the report page of `verify --report-html` with the JSON report and a
// DVCS receipt offered as downloads inside it. Uploads are parsed from the request body in
// memory and dropped with it.
#include <sign/asic.hpp>
#include <sign/channel.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/server.hpp>
#include <sign/validate.hpp>

#include "validate/report_internal.hpp"

#include <botan/base64.h>

#include <optional>
#include <string_view>

namespace sign {
namespace {

struct FormPart {
  std::string name, filename;
  std::string_view data;  // a window onto the request body
};

// The value of `key="..."` in a Content-Disposition header line; empty when absent.
std::string disposition_parameter(std::string_view header, std::string_view key) {
  const std::string needle = std::string(key) + "=\"";
  std::size_t at = 0;
  while ((at = header.find(needle, at)) != std::string_view::npos) {
    // A whole parameter name: preceded by ';' or a space (not "filename" matching "name").
    if (at == 0 || header[at - 1] == ' ' || header[at - 1] == ';') break;
    at += needle.size();
  }
  if (at == std::string_view::npos) return {};
  const auto start = at + needle.size();
  const auto end = header.find('"', start);
  if (end == std::string_view::npos) throw FormatError("a form field's Content-Disposition is not closed");
  return std::string(header.substr(start, end - start));
}

// multipart/form-data (RFC 7578). The delimiter is the body's first line, as every browser
// sends the body without a preamble; so the Content-Type header is not needed.
std::vector<FormPart> parse_form(std::string_view body) {
  const auto first_end = body.find("\r\n");
  if (body.size() < 4 || body.substr(0, 2) != "--" || first_end == std::string_view::npos || first_end > 200)
    throw FormatError("the upload is not multipart/form-data");
  const std::string delimiter = "\r\n" + std::string(body.substr(0, first_end));
  std::vector<FormPart> parts;
  std::size_t at = first_end + 2;
  while (true) {
    if (parts.size() >= 8) throw FormatError("too many form fields");
    const auto headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) throw FormatError("a form field has no end of headers");
    const std::string_view headers = body.substr(at, headers_end - at);
    FormPart p;
    std::size_t line_start = 0;
    while (line_start < headers.size()) {
      auto line_end = headers.find("\r\n", line_start);
      if (line_end == std::string_view::npos) line_end = headers.size();
      const std::string_view line = headers.substr(line_start, line_end - line_start);
      std::string lower(line.substr(0, std::min<std::size_t>(line.size(), 20)));
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower.rfind("content-disposition:", 0) == 0) {
        p.name = disposition_parameter(line, "name");
        p.filename = disposition_parameter(line, "filename");
      }
      line_start = line_end + 2;
    }
    const auto data_start = headers_end + 4;
    const auto data_end = body.find(delimiter, data_start);
    if (data_end == std::string_view::npos) throw FormatError("a form field is not closed by the boundary");
    p.data = body.substr(data_start, data_end - data_start);
    parts.push_back(p);
    at = data_end + delimiter.size();
    if (body.substr(at, 2) == "--") break;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") throw FormatError("malformed boundary line");
    at += 2;
  }
  return parts;
}

const FormPart* field(const std::vector<FormPart>& parts, std::string_view name) {
  for (const auto& p : parts)
    if (p.name == name) return &p;
  return nullptr;
}

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string data_link(std::string_view type, ByteView data, const std::string& file, const std::string& label) {
  return "<a class=\"download\" download=\"" + detail::html_escape(file) + "\" href=\"data:" + std::string(type) + ";base64," +
         Botan::base64_encode(data.data(), data.size()) + "\">" + label + "</a>";
}

// The form, labelled in the three languages of the channel.
std::string form_page() {
  return R"(<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head><meta charset="utf-8"/><title>xsign — verify a signature / Проверка подписи / 验证签名</title>
<style>body{font-family:"Noto Sans","Noto Sans CJK SC","DejaVu Sans",sans-serif;margin:3em auto;max-width:44em;color:#222}
label{display:block;margin:1em 0 .3em;font-weight:bold}input,select,button{font-size:1em}
button{margin-top:1.5em;padding:.5em 2em;background:#1e4f9c;color:#fff;border:none;border-radius:4px}
p.note{color:#666;font-size:.9em}</style></head>
<body>
<h1>Verify a signature · Проверка подписи · 验证签名</h1>
<form id="verify" method="post" action="/ui/verify" enctype="multipart/form-data">
<label for="signature">Signature file, signed XML or container (.p7s, .xml, .asice, .asics) · Файл подписи · 签名文件</label>
<input type="file" id="signature" name="signature" required="required"/>
<label for="document">Document, for a detached signature · Документ (для отсоединённой подписи) · 文档（分离签名）</label>
<input type="file" id="document" name="document"/>
<label for="lang">Language · Язык · 语言</label>
<select id="lang" name="lang"><option value="en">English</option><option value="ru">Русский</option><option value="zh">中文</option></select>
<div><button type="submit" id="submit">Verify · Проверить · 验证</button></div>
</form>
<p class="note">Files are checked in memory and not kept. · Файлы не сохраняются. · 文件不会被保存。</p>
</body>
</html>
)";
}

std::tuple<int, std::string, std::string> html(int status, std::string page) {
  return {status, "text/html; charset=utf-8", std::move(page)};
}

}  // namespace

void add_verification_page(ServerConfig& server, const VerificationPageConfig& config) {
  auto form = [](const std::string&) { return html(200, form_page()); };
  auto verify = [config](const std::string& body) -> std::tuple<int, std::string, std::string> {
    std::vector<FormPart> parts;
    try {
      parts = parse_form(body);
    } catch (const FormatError& e) {
      return {400, "text/plain", std::string("the upload could not be read: ") + e.what() + "\n"};
    }
    const FormPart* sig = field(parts, "signature");
    const FormPart* doc = field(parts, "document");
    const FormPart* lang_field = field(parts, "lang");
    const Language lang = lang_field ? parse_language(std::string(lang_field->data)).value_or(Language::en) : Language::en;
    if (!sig || sig->data.empty()) return {400, "text/plain", "choose a signature file to verify\n"};
    const std::string sig_name = sig->filename.empty() ? "signature" : sig->filename;
    std::optional<Content> document;
    if (doc && !doc->data.empty()) document = Content::bytes(bytes_of(doc->data));
    const std::string doc_name = doc && !doc->filename.empty() ? doc->filename : "";

    const auto& trust = *config.trust;
    const auto& policy = *config.policy;
    std::string page, json;
    Bytes receipt;
    const Bytes signature = bytes_of(sig->data);
    if (looks_like_zip(signature)) {
      const auto report = validate_asic_bytes(signature, sig_name, trust, policy);
      page = asic_report_to_html(report, lang);
      json = asic_report_to_json(report);
    } else {
      ValidationReport report;
      try {
        if (looks_like_xml(ByteView(signature).first(std::min<std::size_t>(signature.size(), 512)))) {
          report = validate_xml_signatures(signature, sig_name, document, trust, policy);
        } else {
          const auto sd = SignedDataView::parse(memory_source(signature));
          if (!sd.attached() && !document)
            return {400, "text/plain", sig_name + " is a detached signature: choose its document too\n"};
          report = validate_signed_data(sd, sd.attached() ? std::nullopt : document, trust, policy);
        }
      } catch (const FormatError& e) {
        report = format_failure_report(sig_name, e.what());
      }
      report.signature_file = sig_name;
      report.document = doc_name;
      page = report_to_html(report, lang);
      json = report_to_json(report);
      if (config.ttp && report.signatures.size() && report.signatures.front().sub_indication != SubIndication::format_failure) {
        SignerSpec ttp = *config.ttp;
        ttp.signing_time = std::chrono::floor<std::chrono::seconds>(now());
        receipt = answer_dvcs_request(parse_dvcs_request(make_dvcs_vsd_request(signature, document, random_serial())), trust,
                                      policy, ttp, ttp.signing_time, random_serial());
      }
    }
    // Downloads and the way back, at the top of the page.
    std::string nav = "<nav class=\"actions\"><a href=\"/ui\">" + translate(lang, "ui.again") + "</a> · " +
                      data_link("application/json", ByteView(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()),
                                "report.json", translate(lang, "ui.json"));
    if (!receipt.empty()) nav += " · " + data_link("application/dvcs", receipt, "receipt.dvcs", translate(lang, "ui.receipt"));
    nav += "</nav>\n";
    const auto at = page.find("<body>\n");
    if (at != std::string::npos) page.insert(at + 7, nav);
    return html(200, std::move(page));
  };
  server.get_routes.push_back({"/", form, 0});
  server.get_routes.push_back({"/ui", form, 0});
  server.post_routes.push_back({"/ui/verify", verify, config.max_upload_bytes});
}

}  // namespace sign
