// Signed trust lists (modeled on ETSI TS 119 612): JSON content, CMS signature in the trust
// authority's own suite.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/trust.hpp>
#include <sign/xades.hpp>

#include "support/per_thread_memo.hpp"

#include <algorithm>

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
  if (list_of_lists) {
    // Not read back by from_json (lists of lists are XML only): shown for people and scripts.
    j["list_of_lists"] = true;
    j["pointers"] = nlohmann::json::array();
    for (const auto& p : pointers) {
      nlohmann::json signers = nlohmann::json::array();
      for (const auto& c : p.signers) signers.push_back(c.fingerprint());
      j["pointers"].push_back({{"location", p.location}, {"territory", p.territory}, {"operator", p.operator_name},
                               {"signer_sha256", signers}});
    }
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
    TrustService svc{str(s, "name"), str(s, "territory"), str(s, "type"), Certificate(nullptr), {}, {}};
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

Bytes sign_trust_list(const TrustList& list, const SignerSpec& authority, TrustListFormat format) {
  if (format == TrustListFormat::xml) return sign_trust_list_xml(list.to_xml(), authority);
  const std::string json = list.to_json();
  return sign_attached(ByteView(reinterpret_cast<const std::uint8_t*>(json.data()), json.size()), authority);
}

Bytes sign_trust_list_xml(ByteView unsigned_xml, const SignerSpec& authority) {
  (void)TrustList::from_xml(unsigned_xml);  // refuses what is not a TS 119 612 list
  bool signed_already = false;
  try {
    signed_already = !summarize_xml_signatures(unsigned_xml, "trust list").empty();
  } catch (const FormatError&) {  // no signature in it
  }
  if (signed_already)
    throw UsageError("the trust list is signed already; a TS 119 612 list carries one signature (sign the unsigned list)");
  XadesOptions options;
  options.placement = XmlPlacement::enveloped;
  options.mime_type = "application/vnd.etsi.tsl+xml";
  return xades_sign(Content::bytes(Bytes(unsigned_xml.begin(), unsigned_xml.end())), "trust list", authority, options);
}

namespace {

// Whether a list may be relied on at `at`: not expired, not dated in the future.
bool fresh(TrustListCheck& r, TimePoint at, const ValidationPolicy& policy) {
  if (r.list->next_update + policy.clock_skew < at) {
    r.message = r.list->next_update == r.list->issued
                    ? "the trust list is closed (it has no next update): " + r.list->operator_name + " no longer maintains it"
                    : "the trust list expired: its next update was due " + format_time(r.list->next_update) +
                          "; get the current list from " + r.list->operator_name;
    return false;
  }
  if (r.list->issued > at + policy.clock_skew) {
    r.message = "the trust list is dated " + format_time(r.list->issued) + ", after the validation time";
    return false;
  }
  r.ok = true;
  r.message = std::string(r.list->list_of_lists ? "list of lists" : "trust list") + " #" +
              std::to_string(r.list->sequence_number) + " of " + r.list->operator_name + " (" + r.list->territory +
              "), signed by " + r.signer + ", valid until " + format_time(r.list->next_update);
  return true;
}

// Decides whether the (cryptographically sound) signer of a list may speak for it; empty = yes.
using SignerJudge = std::function<std::string(const Certificate& signer, const std::vector<Certificate>& carried)>;

// A verifier (verify-batch, serve) meets the same few lists with every document: what depends
// on a list's bytes alone — its XML signature checked, its content read — is worked out once
// per thread. What depends on the validation time, the policy and the trust store (the signer's
// path, freshness) is decided at every use. A list that fails to parse is not remembered.
std::string_view memo_key(ByteView bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

std::vector<XmlSignatureCheck> xml_list_signatures(ByteView bytes) {
  thread_local detail::PerThreadMemo<std::vector<XmlSignatureCheck>, 8> checked;
  return checked.get(memo_key(bytes), [&] { return check_xml_signatures(bytes, "trust list", std::nullopt); });
}

TrustList xml_list_content(ByteView bytes) {
  thread_local detail::PerThreadMemo<TrustList, 8> read;
  return read.get(memo_key(bytes), [&] { return TrustList::from_xml(bytes); });
}

// An XML list: exactly one signature, a direct child of the root, covering the whole document,
// valid, in an accepted suite, by a signer the judge accepts; then the list is read from the
// very bytes that were verified.
TrustListCheck check_xml_list(ByteView bytes, TimePoint at, const ValidationPolicy& policy, const SignerJudge& judge) {
  TrustListCheck r;
  try {
    const auto checks = xml_list_signatures(bytes);
    if (checks.size() != 1) {
      r.message = "a trust list carries exactly one signature; this one has " + std::to_string(checks.size());
      return r;
    }
    const auto& x = checks.front();
    if (x.check.certificate) {
      r.signer = x.check.certificate->subject().to_string();
      r.signer_certificate = x.check.certificate;
    }
    if (!x.check.ok()) {
      r.message = "the trust list's signature does not hold (" + std::string(check_status_name(x.check.status)) + ": " +
                  x.check.message + ") — it was altered or damaged";
      return r;
    }
    if (std::count(x.element.begin(), x.element.end(), '/') != 2) {
      r.message = "the trust list's signature sits at " + x.element + "; TS 119 612 puts it last in the root element";
      return r;
    }
    for (const auto& ref : x.references)
      if (!ref.signed_properties && ref.covers.rfind("the whole document ", 0) != 0) {
        r.message = "the trust list's signature covers " + ref.covers + ", not the whole list";
        return r;
      }
    if (!policy.accepts(x.check.certificate->public_key().suite())) {
      r.message = "the trust list is signed with a suite the validation policy does not accept";
      return r;
    }
    if (auto why = judge(*x.check.certificate, x.certificates); !why.empty()) {
      r.message = why;
      return r;
    }
    r.list = xml_list_content(bytes);
  } catch (const FormatError& e) {
    r.message = e.what();
    return r;
  }
  fresh(r, at, policy);
  return r;
}

}  // namespace

TrustListCheck verify_trust_list(ByteView signed_list, const std::vector<Certificate>& anchors,
                                 const std::vector<Certificate>& intermediates, TimePoint at,
                                 const ValidationPolicy& policy) {
  if (looks_like_xml(signed_list)) {
    return check_xml_list(signed_list, at, policy, [&](const Certificate& signer, const std::vector<Certificate>& carried) {
      PathOptions po;
      po.anchors = anchors;
      po.intermediates = intermediates;
      po.intermediates.insert(po.intermediates.end(), carried.begin(), carried.end());
      po.validation_time = at;
      po.clock_skew = policy.clock_skew;
      const auto path = validate_path(signer, po);
      return path.ok() ? std::string()
                       : "the trust list is signed by '" + signer.subject().to_string() +
                             "', not by an authority of your own trust store (" + path.message + ")";
    });
  }
  TrustListCheck r;
  const auto object = verify_signed_object(signed_list, anchors, intermediates, at, policy, "trust list");
  if (object.signer) {
    r.signer = object.signer->subject().to_string();
    r.signer_certificate = object.signer;
  }
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
  fresh(r, at, policy);
  return r;
}

TrustListPointer trust_list_pointer(ByteView signed_xml, const std::string& location) {
  if (!looks_like_xml(signed_xml)) throw FormatError("a list of lists points to TS 119 612 XML lists; this one is not XML");
  const auto check = check_xml_list(signed_xml, TimePoint::min(), ValidationPolicy{},
                                    [](const Certificate&, const std::vector<Certificate>&) { return std::string(); });
  if (!check.list) throw FormatError("the list to point to is not usable: " + check.message);
  TrustListPointer p;
  p.location = location;
  p.territory = check.list->territory;
  p.operator_name = check.list->operator_name;
  p.list_of_lists = check.list->list_of_lists;
  p.signers.push_back(*check.signer_certificate);
  return p;
}

TrustListCheck verify_pointed_trust_list(ByteView signed_list, const TrustListPointer& pointer, TimePoint at,
                                         const ValidationPolicy& policy) {
  if (!looks_like_xml(signed_list)) {
    TrustListCheck r;
    r.message = "the list at " + pointer.location + " is not XML: a list of lists points to TS 119 612 lists";
    return r;
  }
  auto r = check_xml_list(signed_list, at, policy, [&](const Certificate& signer, const std::vector<Certificate>&) {
    if (std::find(pointer.signers.begin(), pointer.signers.end(), signer) == pointer.signers.end())
      return "the list is signed by '" + signer.subject().to_string() + "', which is not one of the " +
             std::to_string(pointer.signers.size()) + " certificate(s) the list of lists names for " + pointer.location;
    if (signer.not_before() > at + policy.clock_skew || signer.not_after() + policy.clock_skew < at)
      return "the certificate that signs the list of " + pointer.territory + " is not valid at " + format_time(at);
    return std::string();
  });
  if (r.ok && !pointer.territory.empty() && r.list->territory != pointer.territory) {
    r.ok = false;
    r.message = "the list at " + pointer.location + " is the list of " + r.list->territory + ", not of " +
                pointer.territory + " as the list of lists says";
  }
  return r;
}

}  // namespace sign
