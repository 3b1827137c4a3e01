// Rendering a ValidationReport: JSON for programs (schema in docs/verify.md), text for people.
#include <sign/validate.hpp>

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
                   {"signer", {{"subject", s.signer}, {"domain", s.signer_domain}, {"identifiers", s.identifiers}}},
                   {"validation_time", {{"time", format_time(s.validation_time)}, {"source", s.validation_time_source}}},
                   {"algorithms", {{"suite", s.suite}, {"digest", s.digest_algorithm}, {"signature", s.signature_algorithm}}},
                   {"cross_border", s.cross_border},
                   {"level", s.level},
                   {"vouched_by", s.vouched_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.vouched_by)},
                   {"receipt", s.receipt.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.receipt)},
                   {"warnings", s.warnings}};
  j["claimed_signing_time"] = s.claimed_signing_time ? nlohmann::json(format_time(*s.claimed_signing_time)) : nlohmann::json(nullptr);
  j["commitment"] = s.commitment.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.commitment);
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
                         {"not_before", format_time(p.not_before)}, {"not_after", format_time(p.not_after)}});
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

std::string verdict_word(Indication i) {
  switch (i) {
    case Indication::total_passed: return "VALID";
    case Indication::total_failed: return "INVALID";
    case Indication::indeterminate: return "NOT PROVEN";
  }
  return "NOT PROVEN";
}

}  // namespace

std::string report_to_json(const ValidationReport& report) {
  nlohmann::json j{{"signature_file", report.signature_file},
                   {"document", report.document},
                   {"indication", indication_name(report.overall())}};
  j["signatures"] = nlohmann::json::array();
  for (const auto& s : report.signatures) j["signatures"].push_back(signature_json(s));
  return j.dump(2) + "\n";
}

std::string report_to_text(const ValidationReport& report) {
  std::ostringstream out;
  out << verdict_word(report.overall()) << ": " << indication_name(report.overall()) << " — "
      << report.signatures.size() << " signature(s) in " << report.signature_file << "\n";
  for (const auto& s : report.signatures) {
    out << "\n[" << s.index << "] " << verdict_word(s.indication) << " (" << indication_name(s.indication);
    if (s.sub_indication != SubIndication::none) out << " / " << sub_indication_name(s.sub_indication);
    out << ")\n    " << s.message << "\n";
    if (!s.signer.empty()) {
      out << "    signer:     " << s.signer << "\n";
      for (const auto& [k, v] : s.identifiers) out << "                " << k << " " << v << "\n";
    }
    if (s.claimed_signing_time) out << "    signed at:  " << format_time(*s.claimed_signing_time) << " (claimed by the signer)\n";
    out << "    checked at: " << format_time(s.validation_time) << " (" << s.validation_time_source << ")\n";
    if (!s.level.empty()) out << "    level:      CAdES-" << s.level << "\n";
    if (!s.suite.empty()) out << "    algorithm:  " << s.suite << " (digest " << s.digest_algorithm << ")\n";
    if (!s.commitment.empty()) out << "    commitment: " << s.commitment << "\n";
    if (s.time_stamp)
      out << "    time-stamp: " << (s.time_stamp->valid ? "valid, " : "NOT USED, ")
          << (s.time_stamp->time ? format_time(*s.time_stamp->time) : "?") << " by " << s.time_stamp->tsa << "\n";
    for (const auto& a : s.archive_time_stamps)
      out << "    archive time-stamp: " << (a.valid ? "valid, " : "NOT VALID, ") << (a.time ? format_time(*a.time) : "?")
          << (a.valid ? "" : " (" + a.message + ")") << "\n";
    if (!s.vouched_by.empty()) out << "    recognized: " << s.vouched_by << "\n";
    if (!s.receipt.empty()) out << "    receipt:    " << s.receipt << "\n";
    if (!s.path.empty()) {
      out << "    trust path" << (s.cross_border ? " (cross-border)" : "") << ":\n";
      for (const auto& p : s.path) out << "      [" << p.domain << ", " << p.suite << "] " << p.role << ": " << p.subject << "\n";
    }
    for (const auto& r : s.revocation) {
      out << "    revocation: " << r.certificate << ": " << r.status;
      if (!r.kind.empty())
        out << " (" << r.kind << (r.crl_number ? " #" + std::to_string(*r.crl_number) : "") << ", " << r.source << ")";
      if (r.revocation_time) out << ", revoked " << format_time(*r.revocation_time) << " " << r.reason;
      out << "\n";
    }
    for (const auto& w : s.warnings) out << "    warning: " << w << "\n";
  }
  return out.str();
}

}  // namespace sign
