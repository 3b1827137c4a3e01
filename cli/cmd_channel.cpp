// `xsign trustlist create|sign|verify|show` and `xsign channel receipt`.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "trust_setup.hpp"

#include <sign/channel.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include <iostream>

namespace xsign {
namespace {

struct ChannelArgs {
  std::string input, signature, out, operator_name, territory, key, cert, chain, at;
  std::vector<std::string> services, withdrawn;
  unsigned days = 30;
  std::uint64_t sequence = 1;
  bool json = false;
  TrustArgs t;
  PassphraseOptions pass;
};

sign::TimePoint when(const ChannelArgs& a) {
  return a.at.empty() ? std::chrono::floor<std::chrono::seconds>(sign::now()) : sign::parse_time(a.at);
}

sign::SignerSpec signer_of(const ChannelArgs& a) {
  const auto cert = sign::Certificate::load(a.cert);
  sign::SignerSpec s{open_key(a.key, a.pass, cert.public_key()), cert, {}, {}, sign::Commitment::none, when(a)};
  if (!a.chain.empty()) s.chain = sign::Certificate::load_all(a.chain);
  return s;
}

void create(const ChannelArgs& a) {
  sign::TrustList l;
  l.operator_name = a.operator_name;
  l.territory = a.territory;
  l.sequence_number = a.sequence;
  l.issued = when(a);
  l.next_update = l.issued + std::chrono::hours(24) * a.days;
  for (const auto& f : a.services) {
    const auto c = sign::Certificate::load(f);
    if (!c.is_ca()) throw sign::UsageError(f + " is not a CA certificate");
    l.services.push_back({c.subject().get(sign::oids::common_name), c.subject().get(sign::oids::country), "CA", c,
                          {{"granted", c.not_before()}}});
  }
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
    if (!found) throw sign::UsageError(w.substr(0, at) + " is not one of the --service certificates");
  }
  write_output(a.out, l.to_json());
}

void sign_list(const ChannelArgs& a) {
  const auto text = sign::read_text_file(a.input);
  const auto list = sign::TrustList::from_json(text);
  write_output(a.out, sign::sign_trust_list(list, signer_of(a)), true);
  std::cerr << "xsign: trust list #" << list.sequence_number << " of " << list.operator_name << " signed\n";
}

int verify_list(const ChannelArgs& a) {
  const auto setup = load_trust_setup(a.t);
  const auto check = sign::verify_trust_list(sign::read_file(a.input), setup.trust.anchors, setup.trust.intermediates,
                                             when(a), setup.policy);
  std::cout << (check.ok ? "trust list OK: " : "trust list REJECTED: ") << check.message << "\n";
  return check.ok ? kExitOk : kExitFailed;
}

void show(const ChannelArgs& a) {
  const auto bytes = sign::read_file(a.input);
  std::string text(bytes.begin(), bytes.end());
  if (!bytes.empty() && bytes[0] == 0x30) {  // a signed list: show its content
    const auto sd = sign::SignedDataView::parse(sign::memory_source(bytes));
    const auto c = sd.attached_content();
    if (!c) throw sign::FormatError(a.input + ": no list inside the signature");
    const auto inner = c->source->read_range(0, c->source->size());
    text.assign(inner.begin(), inner.end());
  }
  const auto l = sign::TrustList::from_json(text);
  if (a.json) {
    std::cout << l.to_json();
    return;
  }
  std::cout << "trust list #" << l.sequence_number << " of " << l.operator_name << " (" << l.territory << "), issued "
            << sign::format_time(l.issued) << ", next update " << sign::format_time(l.next_update) << "\n";
  for (const auto& s : l.services) {
    std::cout << "  [" << s.territory << "] " << s.certificate.subject().to_string() << "\n      sha256 "
              << s.certificate.fingerprint() << "\n";
    for (const auto& h : s.history) std::cout << "      " << h.status << " since " << sign::format_time(h.since) << "\n";
  }
}

void receipt(const ChannelArgs& a) {
  const auto setup = load_trust_setup(a.t);
  const auto sig = sign::read_file(a.signature);
  const auto sd = sign::SignedDataView::parse(sign::memory_source(sig));
  const auto doc = sign::Content::file(a.input);
  auto report = sign::validate_signed_data(sd, sd.attached() ? std::nullopt : std::optional(doc), setup.trust,
                                           setup.policy, setup.options);
  report.signature_file = a.signature;
  report.document = a.input;
  write_output(a.out, sign::issue_receipt(report, doc, sig, signer_of(a), when(a)), true);
  std::cerr << "xsign: receipt issued: " << sign::indication_name(report.overall()) << " for " << a.signature << "\n";
}

}  // namespace

void register_channel_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ChannelArgs>();
  auto* tl = app.add_subcommand("trustlist", "Signed trust lists of recognized foreign CAs (ETSI TS 119 612 style)");
  tl->require_subcommand(1);
  auto* c = tl->add_subcommand("create", "Write a trust list (JSON) of foreign CA certificates");
  c->add_option("--operator", a->operator_name, "Scheme operator (the trust authority)")->required();
  c->add_option("--territory", a->territory, "Operator's country code")->required();
  c->add_option("--service", a->services, "A recognized foreign CA certificate (repeatable)")->required();
  c->add_option("--withdrawn", a->withdrawn, "CERT@TIME: recognition withdrawn at TIME (repeatable)");
  c->add_option("--days", a->days, "Days until the next update")->capture_default_str();
  c->add_option("--sequence", a->sequence, "Sequence number")->capture_default_str();
  c->add_option("--at", a->at, "Issue time (UTC) instead of now");
  c->add_option("--out", a->out, "Output file; stdout when absent");
  c->callback([a] { create(*a); });

  auto* s = tl->add_subcommand("sign", "Sign a trust list (CMS in the authority's suite)");
  s->add_option("list", a->input, "Trust list JSON")->required();
  s->add_option("--key", a->key, "Trust authority key: a file, a pkcs11: URI, or ext:COMMAND")->required();
  s->add_option("--cert", a->cert, "Trust authority certificate")->required();
  s->add_option("--chain", a->chain, "Its issuing CAs");
  s->add_option("--out", a->out, "Signed list (.p7s); stdout (not a terminal) when absent");
  add_passphrase_options(*s, a->pass, false);
  add_key_source_options(*s, a->pass);
  s->callback([a] { sign_list(*a); });

  auto* v = tl->add_subcommand("verify", "Check a signed trust list against your own trust store");
  v->add_option("list", a->input, "Signed trust list")->required();
  v->add_option("--trust", a->t.trust, "Your trust store");
  v->add_option("--at", a->at, "Check as of this UTC time");
  v->callback([a, &ctx] { ctx.exit_code = verify_list(*a); });

  auto* sh = tl->add_subcommand("show", "Show a trust list (JSON or signed)");
  sh->add_option("list", a->input, "Trust list")->required();
  sh->add_flag("--json", a->json, "Print the JSON");
  sh->callback([a] { show(*a); });

  auto* ch = app.add_subcommand("channel", "Trusted-third-party services of the cross-border channel");
  ch->require_subcommand(1);
  auto* r = ch->add_subcommand("receipt", "Validate a signature and issue a signed validation receipt");
  r->add_option("document", a->input, "The signed document")->required();
  r->add_option("signature", a->signature, "Its signature file")->required();
  r->add_option("--trust", a->t.trust, "The TTP's trust store");
  add_network_options(*r, a->t);
  r->add_option("--key", a->key, "TTP key: a file, a pkcs11: URI, or ext:COMMAND")->required();
  r->add_option("--cert", a->cert, "TTP certificate")->required();
  r->add_option("--chain", a->chain, "Its issuing CAs");
  r->add_option("--out", a->out, "Receipt file; stdout (not a terminal) when absent");
  add_passphrase_options(*r, a->pass, false);
  add_key_source_options(*r, a->pass);
  r->callback([a] { receipt(*a); });
}

}  // namespace xsign
