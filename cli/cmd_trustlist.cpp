// `xsign trustlist create|sign|verify|show`: trust lists in ETSI TS 119 612 XML (signed with an
// enveloped XAdES-B signature), lists of lists, and the JSON-in-CMS lists of xsign 0.1.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "trust_setup.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/validate.hpp>
#include <sign/xades.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace xsign {
namespace {

struct TrustListArgs {
  std::string input, out, operator_name, territory, key, cert, chain, at, format = "xml";
  std::string street, city, contact, info_uri;
  std::vector<std::string> services, tsas, responders, withdrawn, points_to, distribution_points;
  unsigned days = 30;
  std::uint64_t sequence = 1;
  bool list_of_lists = false, json = false;
  TrustArgs t;
  PassphraseOptions pass;
};

sign::TimePoint when(const TrustListArgs& a) {
  return a.at.empty() ? std::chrono::floor<std::chrono::seconds>(sign::now()) : sign::parse_time(a.at);
}

void add_services(sign::TrustList& l, const std::vector<std::string>& files, const std::string& type, bool must_be_ca) {
  for (const auto& f : files) {
    const auto c = sign::Certificate::load(f);
    if (must_be_ca && !c.is_ca()) throw sign::UsageError(f + " is not a CA certificate (--service lists CAs)");
    auto name = c.subject().get(sign::oids::common_name);
    if (name.empty()) name = c.subject().to_string();
    l.services.push_back({name, c.subject().get(sign::oids::country), type, c, {{"granted", c.not_before()}}, {}});
  }
}

// FILE=URL: the signed list in FILE, published at URL.
sign::TrustListPointer pointer_from(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw sign::UsageError("--points-to takes LIST=URL: the signed list of a country (a file) and where it is published");
  const std::string file = spec.substr(0, eq), url = spec.substr(eq + 1);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw sign::UsageError("--points-to " + spec + ": the location must be an http:// or https:// URL");
  try {
    return sign::trust_list_pointer(sign::read_file(file), url);
  } catch (const sign::FormatError& e) {
    throw sign::FormatError(file + ": " + e.what());
  }
}

void create(const TrustListArgs& a) {
  if (a.format != "xml" && a.format != "json") throw sign::UsageError("--format must be xml (TS 119 612, the default) or json");
  sign::TrustList l;
  l.operator_name = a.operator_name;
  l.territory = a.territory;
  l.sequence_number = a.sequence;
  l.issued = when(a);
  l.next_update = l.issued + std::chrono::hours(24) * a.days;
  l.street = a.street;
  l.locality = a.city;
  l.contact = a.contact;
  l.information_uri = a.info_uri;
  l.distribution_points = a.distribution_points;
  l.list_of_lists = a.list_of_lists;
  const bool json = a.format == "json";
  add_services(l, a.services, json ? "CA" : "CA/QC", true);
  add_services(l, a.tsas, "TSA/QTST", false);
  add_services(l, a.responders, "Certstatus/OCSP/QC", false);
  if (json && l.services.size() != a.services.size())
    throw sign::UsageError("--tsa and --ocsp need the XML form (--format xml)");
  for (const auto& p : a.points_to) l.pointers.push_back(pointer_from(p));
  if (!l.pointers.empty() && !l.list_of_lists) throw sign::UsageError("--points-to makes a list of lists: add --list-of-lists");
  if (json && l.list_of_lists) throw sign::UsageError("a list of lists is TS 119 612 XML (--format xml)");
  if (l.list_of_lists && l.pointers.empty()) throw sign::UsageError("a list of lists needs at least one --points-to LIST=URL");
  if (!l.list_of_lists && l.services.empty()) throw sign::UsageError("name the services the list recognizes: --service, --tsa, --ocsp");
  for (const auto& w : a.withdrawn) {
    const auto at = w.rfind('@');
    if (at == std::string::npos) throw sign::UsageError("--withdrawn takes CERT@TIME");
    const auto c = sign::Certificate::load(w.substr(0, at));
    bool found = false;
    for (auto& s : l.services)
      if (s.certificate == c) {
        s.history.push_back({"withdrawn", sign::parse_time(w.substr(at + 1))});
        found = true;
      }
    if (!found) throw sign::UsageError(w.substr(0, at) + " is not one of the listed certificates");
  }
  if (json) {
    write_output(a.out, l.to_json());
    return;
  }
  if (a.contact.empty())
    throw sign::UsageError("a TS 119 612 list names its operator's electronic address: --contact mailto:ADDRESS or https://…");
  write_output(a.out, l.to_xml(), false);
}

sign::SignerSpec signer_of(const TrustListArgs& a) {
  const auto cert = sign::Certificate::load(a.cert);
  sign::SignerSpec s{open_key(a.key, a.pass, cert.public_key()), cert, {}, {}, sign::Commitment::none, when(a)};
  if (!a.chain.empty()) s.chain = sign::Certificate::load_all(a.chain);
  return s;
}

void sign_list(const TrustListArgs& a) {
  const auto bytes = sign::read_file(a.input, sign::kMaxXmlFileBytes);
  if (sign::looks_like_xml(bytes)) {
    const auto list = sign::TrustList::from_xml(bytes, a.input);
    write_output(a.out, sign::sign_trust_list_xml(bytes, signer_of(a)), false);
    std::cerr << "xsign: " << (list.list_of_lists ? "list of lists" : "trust list") << " #" << list.sequence_number
              << " of " << list.operator_name << " signed (TS 119 612, XAdES-B)\n";
    return;
  }
  const auto list = sign::TrustList::from_json(std::string(bytes.begin(), bytes.end()));
  write_output(a.out, sign::sign_trust_list(list, signer_of(a), sign::TrustListFormat::json), true);
  std::cerr << "xsign: trust list #" << list.sequence_number << " of " << list.operator_name << " signed (JSON in CMS)\n";
}

int verify_list(const TrustListArgs& a) {
  const auto setup = load_trust_setup(a.t);
  const auto bytes = sign::read_file(a.input, sign::kMaxXmlFileBytes);
  const auto at = when(a);
  const auto check = sign::verify_trust_list(bytes, setup.trust.anchors, setup.trust.intermediates, at, setup.policy);
  // A list of lists: follow its pointers as validation would (fetch, or from the cache).
  std::optional<sign::RecognizedServices> followed;
  if (check.ok && check.list->list_of_lists) {
    // The pointed lists may be in the trust store already (offline verifiers keep them there).
    std::vector<std::pair<std::string, sign::Bytes>> lists{{a.input, bytes}};
    for (const auto& l : setup.trust.trust_lists)
      if (!sign::verify_trust_list(l.second, setup.trust.anchors, setup.trust.intermediates, at, setup.policy).ok)
        lists.push_back(l);
    followed = sign::resolve_trust_lists(lists, setup.trust, setup.policy, at);
  }
  const bool all_followed = !followed || followed->warnings.empty();
  if (a.json) {
    nlohmann::json j{{"ok", check.ok}, {"message", check.message}, {"signer", check.signer}};
    if (check.list) j["list_of_lists"] = check.list->list_of_lists;
    if (followed) {
      j["lists"] = followed->lists;
      j["warnings"] = followed->warnings;
      j["services"] = followed->services.size();
    }
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (check.ok ? "trust list OK: " : "trust list REJECTED: ") << check.message << "\n";
    if (followed) {
      for (const auto& l : followed->lists) std::cout << "  uses " << l << "\n";
      for (const auto& w : followed->warnings) std::cout << "  warning: " << w << "\n";
    }
  }
  if (!check.ok) return kExitFailed;
  return all_followed ? kExitOk : kExitIndeterminate;
}

// The list inside a file: TS 119 612 XML (signed or not), JSON, or JSON signed as CMS.
sign::TrustList read_any(const std::string& path) {
  const auto bytes = sign::read_file(path, sign::kMaxXmlFileBytes);
  if (sign::looks_like_xml(bytes)) return sign::TrustList::from_xml(bytes, path);
  if (!bytes.empty() && bytes[0] == 0x30) {
    const auto sd = sign::SignedDataView::parse(sign::memory_source(bytes));
    const auto c = sd.attached_content();
    if (!c) throw sign::FormatError(path + ": no list inside the signature");
    const auto inner = c->source->read_range(0, c->source->size());
    return sign::TrustList::from_json(std::string(inner.begin(), inner.end()));
  }
  return sign::TrustList::from_json(std::string(bytes.begin(), bytes.end()));
}

void show(const TrustListArgs& a) {
  const auto l = read_any(a.input);
  if (a.json) {
    std::cout << l.to_json();
    return;
  }
  std::cout << (l.list_of_lists ? "list of lists #" : "trust list #") << l.sequence_number << " of " << l.operator_name
            << " (" << l.territory << "), issued " << sign::format_time(l.issued) << ", next update "
            << sign::format_time(l.next_update) << "\n";
  for (const auto& p : l.pointers) {
    std::cout << "  -> list of " << p.territory << " (" << p.operator_name << ") at " << p.location << "\n";
    for (const auto& c : p.signers)
      std::cout << "      signed by " << c.subject().to_string() << "\n      sha256 " << c.fingerprint() << "\n";
  }
  for (const auto& s : l.services) {
    std::cout << "  [" << s.territory << "] " << s.type << " " << s.certificate.subject().to_string() << "\n      sha256 "
              << s.certificate.fingerprint() << "\n";
    for (const auto& h : s.history) std::cout << "      " << h.status << " since " << sign::format_time(h.since) << "\n";
  }
}

}  // namespace

void register_trustlist_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<TrustListArgs>();
  auto* tl = app.add_subcommand("trustlist", "Trust lists of recognized foreign services (ETSI TS 119 612 XML)");
  tl->require_subcommand(1);
  auto* c = tl->add_subcommand("create", "Write an unsigned trust list, or a list of lists (TS 119 612 XML)");
  c->add_option("--operator", a->operator_name, "Scheme operator (the trust authority)")->required();
  c->add_option("--territory", a->territory, "Operator's country code")->required();
  c->add_option("--contact", a->contact, "Operator's electronic address: mailto:… or https://… (XML)");
  c->add_option("--street", a->street, "Operator's street address (XML)");
  c->add_option("--city", a->city, "Operator's locality (XML)");
  c->add_option("--info-uri", a->info_uri, "Where the scheme is described (default: --contact)");
  c->add_option("--distribution-point", a->distribution_points, "URL the list is published at (repeatable)");
  c->add_option("--service", a->services, "A recognized CA certificate: service type CA/QC (repeatable)");
  c->add_option("--tsa", a->tsas, "A recognized time-stamping authority's certificate: TSA/QTST (repeatable)");
  c->add_option("--ocsp", a->responders, "A recognized OCSP responder's certificate: Certstatus/OCSP/QC (repeatable)");
  c->add_option("--withdrawn", a->withdrawn, "CERT@TIME: recognition withdrawn at TIME (repeatable)");
  c->add_flag("--list-of-lists", a->list_of_lists, "Write a list of lists (pointers to each country's list)");
  c->add_option("--points-to", a->points_to,
                "LIST=URL: the list of lists points to the signed LIST published at URL; its territory, operator "
                "and signing certificate are taken from LIST (repeatable)");
  c->add_option("--days", a->days, "Days until the next update")->capture_default_str();
  c->add_option("--sequence", a->sequence, "Sequence number")->capture_default_str();
  c->add_option("--at", a->at, "Issue time (UTC) instead of now");
  c->add_option("--format", a->format, "xml: ETSI TS 119 612 (default); json: the list of xsign 0.1")->capture_default_str();
  c->add_option("--out", a->out, "Output file; stdout when absent");
  c->callback([a] { create(*a); });

  auto* s = tl->add_subcommand("sign", "Sign a trust list: XML with an enveloped XAdES-B signature, JSON as CMS");
  s->add_option("list", a->input, "Unsigned trust list (XML or JSON)")->required();
  s->add_option("--key", a->key, "Trust authority key: a file, a pkcs11: URI, or ext:COMMAND")->required();
  s->add_option("--cert", a->cert, "Trust authority certificate")->required();
  s->add_option("--chain", a->chain, "Its issuing CAs");
  s->add_option("--at", a->at, "Signing time (UTC) instead of now");
  s->add_option("--out", a->out, "Signed list; stdout when absent");
  add_passphrase_options(*s, a->pass, false);
  add_key_source_options(*s, a->pass);
  s->callback([a] { sign_list(*a); });

  auto* v = tl->add_subcommand("verify", "Check a signed trust list against your own trust store; a list of lists "
                                         "also fetches and checks the lists it points to");
  v->add_option("list", a->input, "Signed trust list (XML or .p7s)")->required();
  v->add_option("--trust", a->t.trust, "Your trust store");
  add_network_options(*v, a->t);
  v->add_option("--at", a->at, "Check as of this UTC time");
  v->add_flag("--json", a->json, "Print the result as JSON");
  v->callback([a, &ctx] { ctx.exit_code = verify_list(*a); });

  auto* sh = tl->add_subcommand("show", "Show a trust list (XML, JSON, or signed)");
  sh->add_option("list", a->input, "Trust list")->required();
  sh->add_flag("--json", a->json, "Print the list as JSON");
  sh->callback([a] { show(*a); });
}

}  // namespace xsign
