// `xsign ts query|reply|verify` and `xsign ocsp check`.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "trust_setup.hpp"

#include <sign/ca.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/ocsp.hpp>
#include <sign/tsp.hpp>
#include <sign/validate.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace xsign {
namespace {

struct TsArgs {
  std::string input, out, digest = "sha256", ca, data, issuer, url, trust;
  bool no_cert_req = false, json = false;
  PassphraseOptions pass;
  TrustArgs t;
  std::string at;
  unsigned timeout = 10;
};

sign::DigestAlgorithm parse_digest(const std::string& name) {
  if (name == "sm3") return sign::DigestAlgorithm::sm3;
  if (name == "streebog256") return sign::DigestAlgorithm::streebog256;
  if (name == "streebog512") return sign::DigestAlgorithm::streebog512;
  if (name == "sha256") return sign::DigestAlgorithm::sha256;
  throw sign::UsageError("unknown digest '" + name + "' (sm3, streebog256, streebog512, sha256)");
}

void ts_query(const TsArgs& a) {
  InputStream in(a.input);
  const auto alg = parse_digest(a.digest);
  const auto digest = sign::digest_stream(alg, in.get());
  write_output(a.out, sign::TimeStampRequest::for_digest(alg, digest, !a.no_cert_req).encode(), true);
}

void ts_reply(const TsArgs& a) {
  auto ca = sign::CertificateAuthority::open(a.ca, passphrase_for_reading(a.pass, a.ca + " keys"));
  const auto tsa = ca.service("tsa", passphrase_for_reading(a.pass, a.ca + "/services/tsa.key"));
  if (!tsa) throw sign::UsageError(a.ca + " has no TSA certificate; create one with `xsign ca service --role tsa`");
  sign::TimeStampAuthority::Config config{.certificate = tsa->second,
                                          .key = tsa->first,
                                          .chain = ca.chain(),
                                          .next_serial = [&ca] { return ca.next_time_stamp_serial(); }};
  sign::TimeStampAuthority authority(config);
  const auto request = sign::read_file(a.input, 64 * 1024);
  write_output(a.out, authority.respond(request, sign::now()), true);
}

int ts_verify(const TsArgs& a) {
  const auto bytes = sign::read_file(a.input);
  // A TimeStampResp or a bare token.
  std::optional<sign::TimeStampToken> token;
  try {
    const auto resp = sign::TimeStampResponse::parse(bytes);
    if (resp.status > 1) throw sign::FormatError("the TSA refused: " + resp.status_text);
    token = resp.token;
  } catch (const sign::FormatError&) {
    token = sign::TimeStampToken::parse(bytes);
  }
  if (!token) throw sign::FormatError(a.input + ": the response holds no token");
  const auto data = sign::read_file(a.data, sign::kMaxWholeFileBytes);
  // Without trust anchors a token proves nothing: anyone can run a TSA.
  std::optional<TrustSetup> setup;
  std::string no_trust;
  try {
    setup = load_trust_setup(a.t);
  } catch (const sign::UsageError& e) {
    if (!a.t.trust.empty()) throw;
    no_trust = e.what();
  }
  sign::TimeStampEvidence ev;
  if (setup) {
    if (!a.at.empty()) setup->options.validation_time = sign::parse_time(a.at);
    ev = sign::validate_time_stamp(token->der, data, setup->trust, setup->policy, setup->options);
  } else {
    const auto check = sign::check_time_stamp(*token, data);
    ev.intact = check.ok;
    ev.message = check.ok ? "the token is intact, but no trust anchors were given to decide whether its TSA is trusted (" +
                                no_trust + ")"
                          : check.message;
    if (check.tsa_certificate) ev.tsa = check.tsa_certificate->subject().to_string();
  }
  const int code = ev.valid ? kExitOk : ev.intact ? kExitIndeterminate : kExitFailed;
  const char* word = ev.valid ? "VALID" : ev.intact ? "NOT PROVEN" : "INVALID";
  if (a.json) {
    std::cout << nlohmann::json{{"valid", ev.valid},
                                {"intact", ev.intact},
                                {"verdict", word},
                                {"message", sign::valid_utf8(ev.message)},
                                {"gen_time", sign::format_time(token->info.gen_time)},
                                {"serial", sign::to_hex(token->info.serial)},
                                {"policy", token->info.policy},
                                {"tsa", sign::valid_utf8(ev.tsa)}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "time-stamp " << word << ": " << sign::printable_text(ev.valid ? "issued at " + sign::format_time(token->info.gen_time) + " by " + ev.tsa : ev.message) << "\n";
  }
  return code;
}

int ocsp_check(const TsArgs& a) {
  const auto cert = sign::Certificate::load(a.input);
  const auto issuer = sign::Certificate::load(a.issuer);
  std::string url = a.url;
  if (url.empty()) {
    const auto urls = cert.ocsp_urls();
    if (urls.empty()) throw sign::UsageError(a.input + " names no OCSP responder; give --url");
    url = urls.front();
  }
  sign::OcspRequest req;
  req.ids.push_back(sign::OcspCertId::of(cert, issuer));
  req.nonce = sign::TimeStampRequest::for_digest(sign::DigestAlgorithm::sha256, sign::Bytes(32)).nonce;
  const auto resp = sign::OcspResponse::parse(sign::ocsp_http_query(url, req.encode(), std::chrono::seconds(a.timeout)));
  if (resp.response_status != 0)
    throw sign::FormatError("the OCSP responder answered status " + std::to_string(resp.response_status));
  const auto signer = resp.verify_signer(issuer);
  if (!signer) throw sign::FormatError("the OCSP response is not signed by the issuer or a responder it authorized");
  if (!resp.nonce.empty() && resp.nonce != req.nonce) throw sign::FormatError("the OCSP response answers another request (nonce)");
  const sign::OcspSingleResponse* single = nullptr;
  for (const auto& r : resp.responses)
    if (r.id.matches(issuer, cert.serial())) single = &r;
  if (!single) throw sign::FormatError("the OCSP response does not cover the certificate");
  nlohmann::json j{{"certificate", cert.subject().to_string()}, {"serial", cert.serial_hex()},
                   {"status", sign::ocsp_status_name(single->status)}, {"responder", signer->subject().to_string()},
                   {"this_update", sign::format_time(single->this_update)}, {"nonce_checked", !resp.nonce.empty()}};
  if (single->revocation_time) {
    j["revocation_time"] = sign::format_time(*single->revocation_time);
    j["reason"] = sign::reason_name(single->reason.value_or(sign::RevocationReason::unspecified));
  }
  if (a.json) std::cout << j.dump(2) << "\n";
  else {
    std::cout << cert.subject().to_string() << ": " << sign::ocsp_status_name(single->status);
    if (single->revocation_time) std::cout << " since " << sign::format_time(*single->revocation_time) << " (" << j["reason"].get<std::string>() << ")";
    std::cout << "\n  responder " << signer->subject().to_string() << ", " << url << "\n";
  }
  switch (single->status) {
    case sign::OcspCertStatus::good: return kExitOk;
    case sign::OcspCertStatus::revoked: return kExitFailed;
    case sign::OcspCertStatus::unknown: return kExitIndeterminate;
  }
  return kExitIndeterminate;
}

}  // namespace

void register_ts_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<TsArgs>();
  auto* ts = app.add_subcommand("ts", "RFC 3161 time-stamps: requests, replies, verification");
  ts->require_subcommand(1);
  auto* q = ts->add_subcommand("query", "Make a time-stamp request (.tsq) for a file");
  q->add_option("file", a->input, "Data to time-stamp ('-' for stdin)")->required();
  q->add_option("--digest", a->digest, "sm3, streebog256, streebog512 or sha256")->capture_default_str();
  q->add_flag("--no-cert-req", a->no_cert_req, "Do not ask the TSA to include its certificate");
  q->add_option("--out", a->out, "Request file; stdout (not a terminal) when absent");
  q->callback([a] { ts_query(*a); });

  auto* r = ts->add_subcommand("reply", "Answer a request with the TSA of a CA directory (.tsr)");
  r->add_option("request", a->input, "Time-stamp request (DER)")->required();
  r->add_option("--ca", a->ca, "CA directory with a TSA service")->required();
  r->add_option("--out", a->out, "Reply file; stdout (not a terminal) when absent");
  add_passphrase_options(*r, a->pass, false);
  r->callback([a] { ts_reply(*a); });

  auto* v = ts->add_subcommand("verify", "Check a time-stamp reply or token against the data it stamps");
  v->add_option("reply", a->input, "Time-stamp reply (.tsr) or token")->required();
  v->add_option("--data", a->data, "The data that was time-stamped")->required();
  v->add_flag("--json", a->json, "Machine-readable output");
  v->add_option("--trust", a->t.trust, "Trust store (your own roots): the TSA must chain to one of them");
  v->add_option("--policy", a->t.policy, "Validation policy file (revocation, algorithms)");
  v->add_option("--untrusted", a->t.untrusted, "Extra CA certificates for the TSA's path");
  v->add_option("--crl", a->t.crls, "CRL files for the TSA's path");
  add_network_options(*v, a->t);
  v->add_option("--at", a->at, "Validation time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or ...T15:00:00+03:00; default now)");
  v->footer("Exit codes: 0 valid (intact and the TSA chains to your anchors), 1 invalid (broken, or stamps other "
            "data), 2 not proven (intact, but the TSA is not trusted, revoked or unknown), 64 usage, 65 bad data.");
  v->callback([a, &ctx] { ctx.exit_code = ts_verify(*a); });

  auto* o = app.add_subcommand("ocsp", "OCSP client");
  o->require_subcommand(1);
  auto* c = o->add_subcommand("check", "Ask an OCSP responder about a certificate (exit 0 good, 1 revoked, 2 unknown)");
  c->add_option("certificate", a->input, "Certificate to check")->required();
  c->add_option("--issuer", a->issuer, "Its issuer's certificate")->required();
  c->add_option("--url", a->url, "Responder URL (default: the certificate's AIA OCSP URL)");
  c->add_flag("--json", a->json, "Machine-readable output");
  c->add_option("--timeout", a->timeout, "Total seconds for the whole exchange (connect, send, answer)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 600u));
  c->callback([a, &ctx] { ctx.exit_code = ocsp_check(*a); });
}

}  // namespace xsign
