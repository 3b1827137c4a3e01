// Rendering a ValidationReport: JSON for programs (schema in docs/verify.md), text for people.
#include <sign/io.hpp>
#include <sign/asic.hpp>
#include <sign/validate.hpp>

#include "validate/report_internal.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

namespace sign {
namespace {

nlohmann::json signature_json(const SignatureReport& s) {
  nlohmann::json j{{"index", s.index},
                   {"indication", indication_name(s.indication)},
                   {"sub_indication", s.sub_indication == SubIndication::none ? nlohmann::json(nullptr)
                                                                             : nlohmann::json(sub_indication_name(s.sub_indication))},
                   {"message", s.message},
                   {"signer", {{"subject", s.signer}, {"domain", s.signer_domain}, {"identifiers", s.identifiers}, {"profile", s.profile}}},
                   {"validation_time", {{"time", format_time(s.validation_time)}, {"source", s.validation_time_source}}},
                   {"algorithms", {{"suite", s.suite}, {"digest", s.digest_algorithm}, {"signature", s.signature_algorithm}}},
                   {"cross_border", s.cross_border},
                   {"level", s.level},
                   {"format", s.format},
                   {"signed_objects", s.signed_objects},
                   {"vouched_by", s.vouched_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.vouched_by)},
                   {"receipt", s.receipt.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.receipt)},
                   {"warnings", s.warnings}};
  j["claimed_signing_time"] = s.claimed_signing_time ? nlohmann::json(format_time(*s.claimed_signing_time)) : nlohmann::json(nullptr);
  j["commitment"] = s.commitment.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.commitment);
  if (s.x_time_stamp)
    j["x_time_stamp"] = {{"valid", s.x_time_stamp->valid}, {"message", s.x_time_stamp->message}, {"tsa", s.x_time_stamp->tsa},
                         {"time", s.x_time_stamp->time ? nlohmann::json(format_time(*s.x_time_stamp->time)) : nlohmann::json(nullptr)}};
  if (s.time_stamp) {
    j["time_stamp"] = {{"valid", s.time_stamp->valid}, {"message", s.time_stamp->message}, {"tsa", s.time_stamp->tsa},
                       {"time", s.time_stamp->time ? nlohmann::json(format_time(*s.time_stamp->time)) : nlohmann::json(nullptr)}};
  } else {
    j["time_stamp"] = nullptr;
  }
  j["archive_time_stamps"] = nlohmann::json::array();
  for (const auto& a : s.archive_time_stamps)
    j["archive_time_stamps"].push_back({{"valid", a.valid}, {"message", a.message}, {"tsa", a.tsa},
                                        {"time", a.time ? nlohmann::json(format_time(*a.time)) : nlohmann::json(nullptr)}});
  j["path"] = nlohmann::json::array();
  for (const auto& p : s.path)
    j["path"].push_back({{"role", p.role}, {"subject", p.subject}, {"issuer", p.issuer}, {"serial", p.serial},
                         {"sha256", p.fingerprint}, {"domain", p.domain}, {"suite", p.suite},
                         {"not_before", format_time(p.not_before)}, {"not_after", format_time(p.not_after)},
                         {"source", p.source.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.source)}});
  j["counter_signatures"] = nlohmann::json::array();
  for (const auto& cs : s.counter_signatures) j["counter_signatures"].push_back(signature_json(cs));
  j["revocation"] = nlohmann::json::array();
  for (const auto& r : s.revocation) {
    nlohmann::json e{{"certificate", r.certificate}, {"status", r.status}};
    if (!r.kind.empty()) {
      e["kind"] = r.kind;
      e["source"] = r.source;
      e["crl_issuer"] = r.crl_issuer;
      e["crl_number"] = r.crl_number ? nlohmann::json(*r.crl_number) : nlohmann::json(nullptr);
      e["this_update"] = format_time(r.this_update);
      e["next_update"] = r.next_update ? nlohmann::json(format_time(*r.next_update)) : nlohmann::json(nullptr);
    }
    if (r.revocation_time) {
      e["revocation_time"] = format_time(*r.revocation_time);
      e["reason"] = r.reason;
    }
    j["revocation"].push_back(e);
  }
  return j;
}

// Names and messages come from certificates and files an attacker wrote: JSON gets valid
// UTF-8 (invalid bytes escaped as text), whatever the input.
void make_utf8(nlohmann::json& j) {
  if (j.is_string()) {
    j = valid_utf8(j.get_ref<const std::string&>());
  } else if (j.is_array()) {
    for (auto& e : j) make_utf8(e);
  } else if (j.is_object()) {
    nlohmann::json clean = nlohmann::json::object();
    for (auto& [k, v] : j.items()) {
      make_utf8(v);
      clean[valid_utf8(k)] = std::move(v);
    }
    j = std::move(clean);
  }
}

std::string verdict_word(Indication i, Language lang) {
  switch (i) {
    case Indication::total_passed: return translate(lang, "verdict.VALID");
    case Indication::total_failed: return translate(lang, "verdict.INVALID");
    case Indication::indeterminate: break;
  }
  return translate(lang, "verdict.NOT_PROVEN");
}

}  // namespace

std::string report_to_json(const ValidationReport& report) {
  nlohmann::json j{{"signature_file", report.signature_file},
                   {"document", report.document},
                   {"indication", indication_name(report.overall())}};
  if (!report.input_error.empty()) {
    j["indication"] = nullptr;
    j["input_error"] = report.input_error;
  }
  j["signatures"] = nlohmann::json::array();
  for (const auto& s : report.signatures) j["signatures"].push_back(signature_json(s));
  make_utf8(j);
  return j.dump(2) + "\n";
}

namespace {

// One signature (or countersignature) for people, in `lang`. Every string that came from
// outside goes through P(): a subject with a newline or an escape sequence cannot forge a report
// line. The detailed message is the validator's own (English); other languages lead with the
// catalogue's sentence for the sub-indication and show the detail under it.
void signature_text(std::ostringstream& out, const SignatureReport& s, const std::string& indent, const std::string& label,
                    Language lang) {
  const auto P = [](const std::string& t) { return printable_text(t); };
  const auto T = [lang](std::string_view key, std::initializer_list<MessageArg> args = {}) {
    return translate(lang, key, args);
  };
  out << "\n" << indent << label << " " << verdict_word(s.indication, lang) << " (" << indication_name(s.indication);
  if (s.sub_indication != SubIndication::none) out << " / " << sub_indication_name(s.sub_indication);
  const std::string in = indent + "    ";
  out << ")\n";
  if (lang == Language::en) {
    out << in << P(s.message) << "\n";
  } else {
    out << in
        << (s.sub_indication != SubIndication::none
                ? T("sub_indication." + std::string(sub_indication_name(s.sub_indication)))
                : T("indication." + std::string(indication_name(s.indication))))
        << "\n";
    if (!s.message.empty()) out << in << T("report.details", {{"message", P(s.message)}}) << "\n";
  }
  if (!s.signer.empty()) {
    out << in << T("report.signer", {{"subject", P(s.signer)}}) << "\n";
    for (const auto& [k, v] : s.identifiers) out << in << "            " << P(k) << " " << P(v) << "\n";
    for (const auto& [k, v] : s.profile) out << in << "            " << P(k) << " " << P(v) << "\n";
  }
  if (s.claimed_signing_time) out << in << T("report.signed_at", {{"time", format_time(*s.claimed_signing_time)}}) << "\n";
  out << in << T("report.checked_at", {{"time", format_time(s.validation_time)}, {"source", P(s.validation_time_source)}})
      << "\n";
  if (s.level == "XL1") out << in << T("report.level_xl1") << "\n";
  else if (s.format == "XMLDSig") out << in << T("report.level", {{"level", "XMLDSig"}}) << "\n";
  else if (!s.level.empty()) out << in << T("report.level", {{"level", P(s.format) + "-" + P(s.level)}}) << "\n";
  for (const auto& what : s.signed_objects) out << in << T("report.covers", {{"what", P(what)}}) << "\n";
  if (s.x_time_stamp) out << in << T("report.x_time_stamp", {{"message", P(s.x_time_stamp->message)}}) << "\n";
  if (!s.suite.empty())
    out << in << T("report.algorithm", {{"suite", P(s.suite)}, {"digest", P(s.digest_algorithm)}}) << "\n";
  if (!s.commitment.empty()) out << in << T("report.commitment", {{"commitment", P(s.commitment)}}) << "\n";
  if (s.time_stamp) {
    const std::string time = s.time_stamp->time ? format_time(*s.time_stamp->time) : "?";
    out << in
        << (s.time_stamp->valid ? T("report.time_stamp_valid", {{"time", time}, {"tsa", P(s.time_stamp->tsa)}})
                                : T("report.time_stamp_unused",
                                    {{"time", time}, {"tsa", P(s.time_stamp->tsa)}, {"message", P(s.time_stamp->message)}}))
        << "\n";
  }
  for (const auto& a : s.archive_time_stamps) {
    const std::string time = a.time ? format_time(*a.time) : "?";
    out << in
        << (a.valid ? T("report.archive_valid", {{"time", time}})
                    : T("report.archive_invalid", {{"time", time}, {"message", P(a.message)}}))
        << "\n";
  }
  if (!s.vouched_by.empty()) out << in << T("report.recognized", {{"by", P(s.vouched_by)}}) << "\n";
  if (!s.receipt.empty()) out << in << T("report.receipt", {{"receipt", P(s.receipt)}}) << "\n";
  if (!s.path.empty()) {
    out << in << T(s.cross_border ? "report.path_cross_border" : "report.path") << "\n";
    for (const auto& p : s.path)
      out << in << "  [" << P(p.domain) << ", " << P(p.suite) << "] " << P(p.role) << ": " << P(p.subject)
          << (p.source.empty() ? "" : " (" + P(p.source) + ")") << "\n";
  }
  for (const auto& r : s.revocation) {
    out << in << T("report.revocation", {{"certificate", P(r.certificate)}, {"status", P(r.status)}});
    if (!r.kind.empty())
      out << " (" << P(r.kind) << (r.crl_number ? " #" + std::to_string(*r.crl_number) : "") << ", " << P(r.source) << ")";
    if (r.revocation_time) out << T("report.revoked_at", {{"time", format_time(*r.revocation_time)}, {"reason", P(r.reason)}});
    out << "\n";
  }
  for (const auto& w : s.warnings) out << in << T("report.warning", {{"message", P(w)}}) << "\n";
  for (const auto& cs : s.counter_signatures)
    signature_text(out, cs, in, T("report.countersignature") + " [" + std::to_string(s.index) + "." + std::to_string(cs.index) + "]",
                   lang);
}

}  // namespace

std::string report_to_text(const ValidationReport& report, Language lang) {
  std::ostringstream out;
  out << translate(lang, "report.summary",
                   {{"verdict", verdict_word(report.overall(), lang)},
                    {"indication", std::string(indication_name(report.overall()))},
                    {"count", std::to_string(report.signatures.size())},
                    {"file", printable_text(report.signature_file)}})
      << "\n";
  for (const auto& s : report.signatures) signature_text(out, s, "", "[" + std::to_string(s.index) + "]", lang);
  return out.str();
}

}  // namespace sign

// ---- containers (asic.hpp): the container's verdict and documents first, then each signature ----

namespace sign {

std::string asic_report_to_json(const AsicReport& report) {
  nlohmann::json j{{"container", report.container},
                   {"form", report.form},
                   {"signature_format", report.signature_format},
                   {"indication", indication_name(report.overall())},
                   {"problems", report.problems},
                   {"warnings", report.warnings}};
  if (!report.report.input_error.empty()) {
    j["indication"] = nullptr;
    j["input_error"] = report.report.input_error;
  }
  j["documents"] = nlohmann::json::array();
  for (const auto& d : report.documents)
    j["documents"].push_back({{"name", d.name}, {"size", d.size}, {"signed_by", d.signed_by}});
  j["signatures"] = nlohmann::json::array();
  for (std::size_t i = 0; i < report.report.signatures.size(); ++i) {
    auto s = signature_json(report.report.signatures[i]);
    s["signature_file"] = i < report.signature_files.size() ? report.signature_files[i] : "";
    j["signatures"].push_back(std::move(s));
  }
  make_utf8(j);
  return j.dump(2) + "\n";
}

std::string asic_report_to_text(const AsicReport& report, Language lang) {
  std::ostringstream out;
  out << translate(lang, "container.summary",
                   {{"verdict", verdict_word(report.overall(), lang)},
                    {"indication", std::string(indication_name(report.overall()))},
                    {"file", printable_text(report.container)},
                    {"form", report.form.empty() ? "ASiC" : report.form},
                    {"documents", std::to_string(report.documents.size())},
                    {"signatures", std::to_string(report.report.signatures.size())}})
      << "\n";
  for (const auto& p : report.problems) out << translate(lang, "container.problem", {{"message", printable_text(p)}}) << "\n";
  for (const auto& w : report.warnings) out << translate(lang, "container.warning", {{"message", printable_text(w)}}) << "\n";
  for (const auto& d : report.documents) {
    std::string by;
    for (const auto i : d.signed_by) {
      const auto& s = report.report.signatures[i - 1];
      by += (by.empty() ? "" : ", ") + ("[" + std::to_string(i) + "] " + printable_text(detail::common_name(s.signer))) + " (" +
            std::string(indication_name(s.indication)) + ")";
    }
    out << (by.empty() ? translate(lang, "container.document_unsigned", {{"name", printable_text(d.name)}})
                       : translate(lang, "container.document_signed", {{"name", printable_text(d.name)}, {"signers", by}}))
        << "\n";
  }
  for (std::size_t i = 0; i < report.report.signatures.size(); ++i) {
    const auto& s = report.report.signatures[i];
    const std::string file = i < report.signature_files.size() ? " " + printable_text(report.signature_files[i]) : "";
    signature_text(out, s, "", "[" + std::to_string(s.index) + "]" + file, lang);
  }
  return out.str();
}

}  // namespace sign
