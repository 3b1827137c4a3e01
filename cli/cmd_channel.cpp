// `xsign channel receipt|request|answer`: the trusted third party of the channel (RFC 3029 DVCS).
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
  std::string input, signature, out, key, cert, chain, at, format = "dvcs";
  std::vector<std::string> vpkc;
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

// A vsd request for SIG (and DOC when SIG is detached), as `channel request` writes it.
sign::Bytes vsd_request(const std::string& signature, const std::string& document) {
  const auto sig = sign::read_file(signature);
  bool detached = false;
  try {
    detached = !sign::SignedDataView::parse(sign::memory_source(sig)).attached();
  } catch (const sign::FormatError&) {
    detached = !document.empty();  // signed XML: a detached one names its document
  }
  if (detached && document.empty())
    throw sign::UsageError(signature + " is detached: name its document too (xsign channel request SIG DOC)");
  return sign::make_dvcs_vsd_request(sig, detached ? std::optional(sign::Content::file(document)) : std::nullopt,
                                     sign::random_serial());
}

void request(const ChannelArgs& a) {
  sign::Bytes req;
  if (!a.vpkc.empty()) {
    if (!a.signature.empty()) throw sign::UsageError("a request is either vsd (SIG [DOC]) or vpkc (--vpkc CERT...), not both");
    std::vector<sign::Certificate> certs;
    for (const auto& f : a.vpkc)
      for (auto& c : sign::Certificate::load_all(f)) certs.push_back(std::move(c));
    req = sign::make_dvcs_vpkc_request(certs, sign::random_serial());
  } else {
    if (a.signature.empty()) throw sign::UsageError("name the signature file (vsd) or give --vpkc CERT (vpkc)");
    req = vsd_request(a.signature, a.input);
  }
  write_output(a.out, req, true);
  std::cerr << "xsign: DVCS " << (a.vpkc.empty() ? "vsd" : "vpkc") << " request written"
            << (a.out.empty() ? "" : " to " + a.out) << "\n";
}

// The TTP validates what the request names and writes its signed DVCS response.
void write_dvcs_answer(const ChannelArgs& a, const sign::DvcsRequest& req) {
  const auto setup = load_trust_setup(a.t);
  const auto response = sign::answer_dvcs_request(req, setup.trust, setup.policy, signer_of(a), when(a),
                                                  sign::random_serial(), setup.options);
  write_output(a.out, response, true);
}

// The TTP's answer, offline: what `xsign serve` answers on POST /dvcs.
void answer(const ChannelArgs& a) {
  const auto req = sign::parse_dvcs_request(sign::read_file(a.input, 64u << 20));
  write_dvcs_answer(a, req);
  std::cerr << "xsign: DVCS " << (req.service == sign::DvcsService::vsd ? "vsd" : "vpkc") << " response written"
            << (a.out.empty() ? "" : " to " + a.out) << "\n";
}

void receipt(const ChannelArgs& a) {
  if (a.format == "dvcs") {
    // The standard form: the request a client would send, answered at once.
    write_dvcs_answer(a, sign::parse_dvcs_request(vsd_request(a.signature, a.input)));
    std::cerr << "xsign: DVCS receipt issued for " << a.signature << "\n";
    return;
  }
  if (a.format != "json") throw sign::UsageError("--format must be dvcs (RFC 3029, the default) or json");
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

void register_channel_commands(CLI::App& app, Context&) {
  auto a = std::make_shared<ChannelArgs>();
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
  r->add_option("--format", a->format,
                "dvcs: an RFC 3029 DVCSResponse (default); json: the receipt of xsign 0.1, still read by verify --receipt");
  r->add_option("--at", a->at, "Time of the receipt (UTC) instead of now");
  add_passphrase_options(*r, a->pass, false);
  add_key_source_options(*r, a->pass);
  r->callback([a] { receipt(*a); });

  auto* q = ch->add_subcommand("request", "Write an RFC 3029 DVCS request: vsd for a signature, vpkc for certificates");
  q->add_option("signature", a->signature, "vsd: the signature file (CMS or signed XML)");
  q->add_option("document", a->input, "vsd: its document, when the signature is detached");
  q->add_option("--vpkc", a->vpkc, "vpkc: a certificate (or bundle) to validate (repeatable)");
  q->add_option("--out", a->out, "Request file (application/dvcs); stdout (not a terminal) when absent");
  q->callback([a] { request(*a); });

  auto* an = ch->add_subcommand("answer", "Answer a DVCS request as the TTP (what serve answers on POST /dvcs)");
  an->add_option("request", a->input, "DVCS request (DER)")->required();
  an->add_option("--trust", a->t.trust, "The TTP's trust store");
  an->add_option("--untrusted", a->t.untrusted, "More intermediate or cross-certificates (repeatable)");
  an->add_option("--crl", a->t.crls, "A CRL to use for revocation (repeatable)");
  add_network_options(*an, a->t);
  an->add_option("--key", a->key, "TTP key: a file, a pkcs11: URI, or ext:COMMAND")->required();
  an->add_option("--cert", a->cert, "TTP certificate")->required();
  an->add_option("--chain", a->chain, "Its issuing CAs");
  an->add_option("--at", a->at, "Time of the response (UTC) instead of now");
  an->add_option("--out", a->out, "Response file; stdout (not a terminal) when absent");
  add_passphrase_options(*an, a->pass, false);
  add_key_source_options(*an, a->pass);
  an->callback([a] { answer(*a); });
}

}  // namespace xsign
