// Trust lists in ETSI TS 119 612 v2.2.1 XML (TrustServiceStatusList): what DSS, national
// supervisory bodies and the EU list of lists exchange. Writing follows the schema's element
// order and cardinalities; reading takes what the schema allows and keeps what validation uses
// (services with their certificates and status history, pointers to other lists).
#include "xml/xml.hpp"

#include <sign/error.hpp>
#include <sign/trust.hpp>

#include <libxml/tree.h>

#include <algorithm>
#include <map>

namespace sign {
namespace {

using namespace xml;

constexpr std::string_view kTslNs = "http://uri.etsi.org/02231/v2#";
constexpr std::string_view kTslAdditionalNs = "http://uri.etsi.org/02231/v2/additionaltypes#";
constexpr std::string_view kTslTag = "http://uri.etsi.org/19612/TSLTag";
constexpr std::string_view kTslTypePrefix = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/";
constexpr std::string_view kServiceTypePrefix = "http://uri.etsi.org/TrstSvc/Svctype/";
constexpr std::string_view kStatusPrefix = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/";
constexpr std::string_view kStatusDetermination = "http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/";
constexpr std::string_view kTslMimeType = "application/vnd.etsi.tsl+xml";
constexpr int kTslVersion = 5;  // TS 119 612 v2.x
constexpr std::string_view kListOfListsSuffix = "listofthelists";

// TSLType of a territory's list (§5.3.3, outside the EU: CClist / CClistofthelists).
std::string tsl_type_uri(const std::string& territory, bool list_of_lists) {
  return std::string(kTslTypePrefix) + territory + (list_of_lists ? std::string(kListOfListsSuffix) : "list");
}

[[noreturn]] void bad(const std::string& what, const std::string& why) {
  throw FormatError(what + ": not a TS 119 612 trust list: " + why);
}

// ---- writing ------------------------------------------------------------------------------

Node* tsl(Node* parent, std::string_view local, std::string_view text = {}) {
  return add_element(parent, kTslNs, "tsl", local, text);
}

void names(Node* parent, std::string_view element, const std::string& name) {
  Node* n = tsl(parent, element);
  set_attribute(tsl(n, "Name", name), "xml:lang", "en");
}

void uri_list(Node* parent, std::string_view element, const std::string& uri) {
  set_attribute(tsl(tsl(parent, element), "URI", uri), "xml:lang", "en");
}

std::string or_not_stated(const std::string& s) { return s.empty() ? "not stated" : s; }

void address(Node* parent, std::string_view element, const std::string& street, const std::string& locality,
             const std::string& country, const std::string& contact) {
  Node* a = tsl(parent, element);
  Node* postal = tsl(tsl(a, "PostalAddresses"), "PostalAddress");
  set_attribute(postal, "xml:lang", "en");
  tsl(postal, "StreetAddress", or_not_stated(street));
  tsl(postal, "Locality", or_not_stated(locality));
  tsl(postal, "CountryName", or_not_stated(country));
  set_attribute(tsl(tsl(a, "ElectronicAddress"), "URI", contact), "xml:lang", "en");
}

void certificate_identity(Node* parent, const Certificate& c) {
  Node* id = tsl(tsl(parent, "ServiceDigitalIdentity"), "DigitalId");
  tsl(id, "X509Certificate", base64(c.der()));
}

std::string status_uri(const std::string& status) {
  return status.rfind("http", 0) == 0 ? status : std::string(kStatusPrefix) + status;
}
std::string type_uri(const std::string& type) {
  if (type.rfind("http", 0) == 0) return type;
  return std::string(kServiceTypePrefix) + (type == "CA" ? "CA/QC" : type);
}

std::string provider_of(const TrustService& s) {
  if (!s.provider.empty()) return s.provider;
  const auto o = s.certificate.subject().get(oids::organization);
  return o.empty() ? s.certificate.subject().get(oids::common_name) : o;
}

void service(Node* services, const TrustService& s) {
  if (s.history.empty()) throw UsageError("service '" + s.name + "' has no status");
  Node* svc = tsl(services, "TSPService");
  Node* info = tsl(svc, "ServiceInformation");
  tsl(info, "ServiceTypeIdentifier", type_uri(s.type));
  names(info, "ServiceName", s.name);
  certificate_identity(info, s.certificate);
  tsl(info, "ServiceStatus", status_uri(s.history.back().status));
  tsl(info, "StatusStartingTime", format_time(s.history.back().since));
  if (s.history.size() < 2) return;
  // Earlier statuses, newest first (§5.6); the identity by key identifier, as lists do.
  Node* history = tsl(svc, "ServiceHistory");
  for (auto h = s.history.rbegin() + 1; h != s.history.rend(); ++h) {
    Node* inst = tsl(history, "ServiceHistoryInstance");
    tsl(inst, "ServiceTypeIdentifier", type_uri(s.type));
    names(inst, "ServiceName", s.name);
    Node* id = tsl(tsl(inst, "ServiceDigitalIdentity"), "DigitalId");
    tsl(id, "X509SKI", base64(s.certificate.subject_key_id()));
    tsl(inst, "ServiceStatus", status_uri(h->status));
    tsl(inst, "StatusStartingTime", format_time(h->since));
  }
}

void pointer(Node* pointers, const TrustListPointer& p) {
  Node* ptr = tsl(pointers, "OtherTSLPointer");
  if (!p.signers.empty()) {
    Node* ids = tsl(ptr, "ServiceDigitalIdentities");
    for (const auto& c : p.signers) certificate_identity(ids, c);
  }
  tsl(ptr, "TSLLocation", p.location);
  Node* more = tsl(ptr, "AdditionalInformation");
  tsl(tsl(more, "OtherInformation"), "TSLType",
      tsl_type_uri(p.territory, p.list_of_lists));
  names(tsl(more, "OtherInformation"), "SchemeOperatorName", p.operator_name);
  tsl(tsl(more, "OtherInformation"), "SchemeTerritory", p.territory);
  add_element(tsl(more, "OtherInformation"), kTslAdditionalNs, "tslx", "MimeType", kTslMimeType);
}

// ---- reading ------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string what) : what_(std::move(what)) {}

  Node* need(const Node* parent, std::string_view local) const {
    Node* n = only_child(parent, kTslNs, local);
    if (!n) bad(what_, path_of(parent) + " has no tsl:" + std::string(local));
    return n;
  }

  std::string need_text(const Node* parent, std::string_view local) const {
    std::string t = trimmed(text(need(parent, local)));
    if (t.empty()) bad(what_, path_of(parent) + "/tsl:" + std::string(local) + " is empty");
    return t;
  }

  // InternationalNamesType: the English name, else the first.
  std::string name_in(const Node* parent, std::string_view local) const {
    const Node* n = need(parent, local);
    const auto all = children(n, kTslNs, "Name");
    if (all.empty()) bad(what_, path_of(n) + " has no Name");
    for (const Node* name : all)
      if (language(name) == "en") return trimmed(text(name));
    return trimmed(text(all.front()));
  }

  // xsd:dateTime; fractions of a second are dropped (lists are dated to the second).
  TimePoint time_in(const Node* parent, std::string_view local) const {
    const std::string t = need_text(parent, local);
    const auto parsed = parse_date_time(t);
    if (!parsed) bad(what_, path_of(parent) + "/tsl:" + std::string(local) + " '" + t + "' is not an xsd:dateTime with a time zone");
    return *parsed;
  }

  std::vector<Certificate> certificates_in(const Node* identity) const {
    std::vector<Certificate> out;
    for (const Node* id : children(identity, kTslNs, "DigitalId"))
      for (const Node* x : children(id, kTslNs, "X509Certificate")) {
        const Bytes der = unbase64(text(x), path_of(x));
        try {
          out.push_back(Certificate::from_der(der));
        } catch (const Error& e) {
          bad(what_, path_of(x) + " is not a certificate (" + e.what() + ")");
        }
      }
    return out;
  }

  static std::string status_name(const std::string& uri) {
    if (uri.rfind(kStatusPrefix, 0) != 0) return uri;
    const std::string s = uri.substr(kStatusPrefix.size());
    // National approval schemes (§5.5.4) mean the same for a relying party.
    if (s == "recognisedatnationallevel") return "granted";
    if (s == "deprecatedatnationallevel") return "withdrawn";
    return s;
  }

  static std::string type_name(const std::string& uri) {
    return uri.rfind(kServiceTypePrefix, 0) == 0 ? uri.substr(kServiceTypePrefix.size()) : uri;
  }

  std::vector<TrustService> services_of(const Node* tsp_node, const std::string& territory) const {
    const Node* info = need(tsp_node, "TSPInformation");
    const std::string provider = name_in(info, "TSPName");
    std::vector<TrustService> out;
    for (const Node* svc : children(need(tsp_node, "TSPServices"), kTslNs, "TSPService")) {
      const Node* si = need(svc, "ServiceInformation");
      TrustService base{name_in(si, "ServiceName"), territory, type_name(need_text(si, "ServiceTypeIdentifier")),
                        Certificate(nullptr), {}, provider};
      // The history lists earlier statuses newest first; the current status comes last (and
      // stays last among entries of the same time).
      if (const Node* h = only_child(svc, kTslNs, "ServiceHistory")) {
        const auto instances = children(h, kTslNs, "ServiceHistoryInstance");
        for (auto it = instances.rbegin(); it != instances.rend(); ++it)
          base.history.push_back({status_name(need_text(*it, "ServiceStatus")), time_in(*it, "StatusStartingTime")});
      }
      base.history.push_back({status_name(need_text(si, "ServiceStatus")), time_in(si, "StatusStartingTime")});
      std::stable_sort(base.history.begin(), base.history.end(),
                       [](const ServiceStatus& a, const ServiceStatus& b) { return a.since < b.since; });
      // A service may name several certificates of its key (renewals): one entry each.
      for (auto& c : certificates_in(need(si, "ServiceDigitalIdentity"))) {
        TrustService s = base;
        s.certificate = std::move(c);
        out.push_back(std::move(s));
      }
    }
    return out;
  }

  TrustListPointer pointer_of(const Node* p) const {
    TrustListPointer out;
    out.location = need_text(p, "TSLLocation");
    if (const Node* ids = only_child(p, kTslNs, "ServiceDigitalIdentities"))
      for (const Node* id : children(ids, kTslNs, "ServiceDigitalIdentity"))
        for (auto& c : certificates_in(id)) out.signers.push_back(std::move(c));
    if (const Node* more = only_child(p, kTslNs, "AdditionalInformation"))
      for (const Node* other : children(more, kTslNs, "OtherInformation"))
        for (const Node* item : child_elements(other)) {
          if (is_element(item, kTslNs, "TSLType")) out.list_of_lists = trimmed(text(item)).ends_with(kListOfListsSuffix);
          else if (is_element(item, kTslNs, "SchemeTerritory")) out.territory = trimmed(text(item));
          else if (is_element(item, kTslNs, "SchemeOperatorName")) out.operator_name = name_in(other, "SchemeOperatorName");
        }
    return out;
  }

  static std::string trimmed(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
  }

 private:
  std::string what_;
};

}  // namespace

std::string TrustList::tsl_type() const {
  return tsl_type_uri(territory, list_of_lists);
}

Bytes TrustList::to_xml() const {
  if (territory.empty()) throw UsageError("a trust list needs its territory (country code)");
  if (contact.empty()) throw UsageError("a TS 119 612 list needs the operator's electronic address (--contact mailto:… or https://…)");
  Document doc = Document::create(kTslNs, "tsl", "TrustServiceStatusList");
  Node* root = doc.root();
  set_attribute(root, "Id", "TrustServiceStatusList");
  set_attribute(root, "TSLTag", kTslTag);
  Node* si = tsl(root, "SchemeInformation");
  tsl(si, "TSLVersionIdentifier", std::to_string(kTslVersion));
  if (sequence_number == 0) throw UsageError("the sequence number of a trust list starts at 1");
  tsl(si, "TSLSequenceNumber", std::to_string(sequence_number));
  tsl(si, "TSLType", tsl_type());
  names(si, "SchemeOperatorName", operator_name);
  address(si, "SchemeOperatorAddress", street, locality, territory, contact);
  names(si, "SchemeName", territory + ":" + (list_of_lists ? "list of the trusted lists of " : "trusted list of ") + operator_name);
  const std::string info = information_uri.empty() ? contact : information_uri;
  uri_list(si, "SchemeInformationURI", info);
  tsl(si, "StatusDeterminationApproach", std::string(kStatusDetermination) + territory + "determination");
  tsl(si, "SchemeTerritory", territory);
  Node* notice = tsl(si, "PolicyOrLegalNotice");
  set_attribute(tsl(notice, "TSLLegalNotice",
                    list_of_lists ? "Points to the trusted lists of the cross-border trade signature channel."
                                  : "Trust services recognized for the cross-border trade signature channel."),
                "xml:lang", "en");
  tsl(si, "HistoricalInformationPeriod", "65535");
  if (!pointers.empty()) {
    Node* ptrs = tsl(si, "PointersToOtherTSL");
    for (const auto& p : pointers) pointer(ptrs, p);
  }
  tsl(si, "ListIssueDateTime", format_time(issued));
  tsl(tsl(si, "NextUpdate"), "dateTime", format_time(next_update));
  if (!distribution_points.empty()) {
    Node* dp = tsl(si, "DistributionPoints");
    for (const auto& u : distribution_points) tsl(dp, "URI", u);
  }
  if (!services.empty()) {
    // One TrustServiceProvider per provider name, in the order they first appear.
    Node* providers = tsl(root, "TrustServiceProviderList");
    std::map<std::string, Node*> by_name;
    for (const auto& s : services) {
      const std::string name = provider_of(s);
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        Node* tsp = tsl(providers, "TrustServiceProvider");
        Node* tinfo = tsl(tsp, "TSPInformation");
        names(tinfo, "TSPName", name);
        const auto& subject = s.certificate.subject();
        address(tinfo, "TSPAddress", {}, subject.get("2.5.4.7"), s.territory, contact);
        uri_list(tinfo, "TSPInformationURI", info);
        it = by_name.emplace(name, tsl(tsp, "TSPServices")).first;
      }
      service(it->second, s);
    }
  }
  return doc.serialize();
}

TrustList TrustList::from_xml(ByteView bytes, const std::string& what) {
  const Document doc = Document::parse(bytes, what);
  const Node* root = doc.root();
  if (!root || !is_element(root, kTslNs, "TrustServiceStatusList"))
    bad(what, "the root element is not tsl:TrustServiceStatusList (namespace " + std::string(kTslNs) + ")");
  if (!attribute(root, "TSLTag")) bad(what, "the TSLTag attribute is missing");
  const Reader r(what);
  const Node* si = r.need(root, "SchemeInformation");
  TrustList l;
  const std::string version = r.need_text(si, "TSLVersionIdentifier");
  if (version != "5" && version != "6")
    bad(what, "TSLVersionIdentifier is " + version + "; xsign reads TS 119 612 v2 lists (version 5 or 6)");
  const std::string seq = r.need_text(si, "TSLSequenceNumber");
  if (seq.find_first_not_of("0123456789") != std::string::npos || seq.size() > 18 || std::stoull(seq) == 0)
    bad(what, "TSLSequenceNumber '" + seq + "' is not a positive integer");
  l.sequence_number = std::stoull(seq);
  l.list_of_lists = r.need_text(si, "TSLType").ends_with(kListOfListsSuffix);
  l.operator_name = r.name_in(si, "SchemeOperatorName");
  if (const Node* t = only_child(si, kTslNs, "SchemeTerritory")) l.territory = Reader::trimmed(text(t));
  if (const Node* a = only_child(si, kTslNs, "SchemeOperatorAddress")) {
    if (const Node* pa = only_child(a, kTslNs, "PostalAddresses"))
      if (const auto postal = children(pa, kTslNs, "PostalAddress"); !postal.empty()) {
        if (const Node* s = only_child(postal.front(), kTslNs, "StreetAddress")) l.street = text(s);
        if (const Node* s = only_child(postal.front(), kTslNs, "Locality")) l.locality = text(s);
      }
    if (const Node* e = only_child(a, kTslNs, "ElectronicAddress"))
      if (const auto uris = children(e, kTslNs, "URI"); !uris.empty()) l.contact = Reader::trimmed(text(uris.front()));
  }
  if (const Node* u = only_child(si, kTslNs, "SchemeInformationURI"))
    if (const auto uris = children(u, kTslNs, "URI"); !uris.empty()) l.information_uri = Reader::trimmed(text(uris.front()));
  if (const Node* p = only_child(si, kTslNs, "PointersToOtherTSL"))
    for (const Node* ptr : children(p, kTslNs, "OtherTSLPointer")) l.pointers.push_back(r.pointer_of(ptr));
  l.issued = r.time_in(si, "ListIssueDateTime");
  const Node* next = r.need(si, "NextUpdate");
  // A list without a next update is closed (§5.3.15): it expires at once.
  l.next_update = only_child(next, kTslNs, "dateTime") ? r.time_in(next, "dateTime") : l.issued;
  if (const Node* dp = only_child(si, kTslNs, "DistributionPoints"))
    for (const Node* u : children(dp, kTslNs, "URI")) l.distribution_points.push_back(Reader::trimmed(text(u)));
  if (const Node* providers = only_child(root, kTslNs, "TrustServiceProviderList"))
    for (const Node* tsp : children(providers, kTslNs, "TrustServiceProvider"))
      for (auto& s : r.services_of(tsp, l.territory)) l.services.push_back(std::move(s));
  return l;
}

}  // namespace sign
