// Signed trust lists (modeled on ETSI TS 119 612): JSON content, CMS signature in the trust
// authority's own suite.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/trust.hpp>

#include <botan/base64.h>
#include <botan/exceptn.h>
#include <nlohmann/json.hpp>

namespace sign {
namespace {

constexpr std::string_view kFormat = "xsign-trust-list/1";

[[noreturn]] void bad(const std::string& what) { throw FormatError("malformed trust list: " + what); }

std::string str(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) bad(std::string("missing or non-text field '") + key + "'");
  return j[key].get<std::string>();
}

TimePoint time_field(const nlohmann::json& j, const char* key) {
  try {
    return parse_time(str(j, key));
  } catch (const UsageError&) {
    bad(std::string("field '") + key + "' is not a UTC time");
  }
}

}  // namespace

std::optional<std::string> TrustService::status_at(TimePoint t) const {
  std::optional<std::string> out;
  for (const auto& h : history)
    if (h.since <= t) out = h.status;
  return out;
}

std::string TrustList::to_json() const {
  nlohmann::json j{{"format", kFormat},
                   {"scheme_operator", {{"name", operator_name}, {"territory", territory}}},
                   {"sequence_number", sequence_number},
                   {"list_issue_date_time", format_time(issued)},
                   {"next_update", format_time(next_update)}};
  j["services"] = nlohmann::json::array();
  for (const auto& s : services) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& h : s.history) history.push_back({{"status", h.status}, {"since", format_time(h.since)}});
    j["services"].push_back({{"name", s.name},
                             {"type", s.type},
                             {"territory", s.territory},
                             {"certificate", Botan::base64_encode(s.certificate.der().data(), s.certificate.der().size())},
                             {"certificate_sha256", s.certificate.fingerprint()},
                             {"status_history", history}});
  }
  return j.dump(2) + "\n";
}

TrustList TrustList::from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    bad(std::string("not JSON: ") + e.what());
  }
  if (!j.is_object() || str(j, "format") != kFormat) bad("format is not " + std::string(kFormat));
  TrustList l;
  if (!j.contains("scheme_operator") || !j["scheme_operator"].is_object()) bad("missing scheme_operator");
  l.operator_name = str(j["scheme_operator"], "name");
  l.territory = str(j["scheme_operator"], "territory");
  if (!j.contains("sequence_number") || !j["sequence_number"].is_number_unsigned()) bad("missing sequence_number");
  l.sequence_number = j["sequence_number"].get<std::uint64_t>();
  l.issued = time_field(j, "list_issue_date_time");
  l.next_update = time_field(j, "next_update");
  if (!j.contains("services") || !j["services"].is_array()) bad("missing services");
  for (const auto& s : j["services"]) {
    TrustService svc{str(s, "name"), str(s, "territory"), str(s, "type"), Certificate(nullptr), {}};
    std::vector<std::uint8_t> der;
    try {
      const auto decoded = Botan::base64_decode(str(s, "certificate"));
      der.assign(decoded.begin(), decoded.end());
    } catch (const Botan::Exception&) {
      bad("service '" + svc.name + "' has a certificate that is not base64");
    }
    svc.certificate = Certificate::from_der(der);
    if (svc.certificate.fingerprint() != str(s, "certificate_sha256"))
      bad("service '" + svc.name + "': certificate_sha256 does not match the certificate");
    if (!s.contains("status_history") || !s["status_history"].is_array() || s["status_history"].empty())
      bad("service '" + svc.name + "' has no status history");
    for (const auto& h : s["status_history"]) {
      const std::string status = str(h, "status");
      if (status != "granted" && status != "withdrawn") bad("unknown status '" + status + "'");
      svc.history.push_back({status, time_field(h, "since")});
    }
    l.services.push_back(std::move(svc));
  }
  return l;
}

Bytes sign_attached(ByteView content, const SignerSpec& signer) {
  SignOutputOptions options;
  options.attached = true;
  Bytes out;
  sign_document(Content::bytes(Bytes(content.begin(), content.end())), signer, options,
                [&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return out;
}

SignedObjectCheck verify_signed_object(ByteView der, const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& intermediates, TimePoint at,
                                       const ValidationPolicy& policy, const std::string& what) {
  using F = SignedObjectCheck::Failure;
  SignedObjectCheck r;
  try {
    const auto sd = SignedDataView::parse(memory_source(Bytes(der.begin(), der.end())));
    if (!sd.attached() || sd.signers().size() != 1) {
      r.message = "a " + what + " is a CMS signature with its content attached and one signer";
      return r;
    }
    const auto c = check_signatures(sd, std::nullopt).front();
    r.signer = c.certificate;
    if (!c.ok()) {
      r.failure = F::signature;
      r.message = "the " + what + "'s signature does not hold (" + std::string(check_status_name(c.status)) + ": " +
                  c.message + ") — it was altered or damaged";
      return r;
    }
    if (!policy.accepts(c.certificate->public_key().suite())) {
      r.failure = F::policy;
      r.message = "the " + what + " is signed with a suite the validation policy does not accept";
      return r;
    }
    PathOptions po;
    po.anchors = anchors;
    po.intermediates = intermediates;
    po.intermediates.insert(po.intermediates.end(), sd.certificates().begin(), sd.certificates().end());
    po.validation_time = at;
    po.clock_skew = policy.clock_skew;
    const auto path = validate_path(*c.certificate, po);
    if (!path.ok()) {
      r.failure = F::untrusted_signer;
      r.message = "the " + what + " is signed by '" + c.certificate->subject().to_string() +
                  "', not by an authority of your own trust store (" + path.message + ")";
      return r;
    }
    const auto content = sd.attached_content();
    r.content = content->source->read_range(0, content->source->size());
    r.failure = F::none;
  } catch (const FormatError& e) {
    r.message = e.what();
  }
  return r;
}

Bytes sign_trust_list(const TrustList& list, const SignerSpec& authority) {
  const std::string json = list.to_json();
  return sign_attached(ByteView(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()), authority);
}

TrustListCheck verify_trust_list(ByteView signed_list, const std::vector<Certificate>& anchors,
                                 const std::vector<Certificate>& intermediates, TimePoint at,
                                 const ValidationPolicy& policy) {
  TrustListCheck r;
  const auto object = verify_signed_object(signed_list, anchors, intermediates, at, policy, "trust list");
  if (object.signer) r.signer = object.signer->subject().to_string();
  if (!object.ok()) {
    r.message = object.message;
    return r;
  }
  try {
    r.list = TrustList::from_json(std::string(object.content.begin(), object.content.end()));
  } catch (const FormatError& e) {
    r.message = e.what();
    return r;
  }
  if (r.list->next_update + policy.clock_skew < at) {
    r.message = "the trust list expired: its next update was due " + format_time(r.list->next_update) +
                "; get the current list from " + r.list->operator_name;
    return r;
  }
  if (r.list->issued > at + policy.clock_skew) {
    r.message = "the trust list is dated " + format_time(r.list->issued) + ", after the validation time";
    return r;
  }
  r.ok = true;
  r.message = "trust list #" + std::to_string(r.list->sequence_number) + " of " + r.list->operator_name + " (" +
              r.list->territory + "), signed by " + r.signer + ", valid until " + format_time(r.list->next_update);
  return r;
}

}  // namespace sign
