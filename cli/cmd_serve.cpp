// `xsign serve`: TSA, OCSP, CRL and CA certificate endpoints over HTTP until SIGINT/SIGTERM.
#include "commands.hpp"
#include "passphrase.hpp"

#include <sign/error.hpp>
#include <sign/channel.hpp>
#include <sign/server.hpp>
#include <sign/signers.hpp>

#include <botan/base64.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <pthread.h>

namespace xsign {
namespace {

struct ServeArgs {
  std::vector<std::string> ca_dirs;
  std::string ttp_key, ttp_cert, ttp_chain, trust;
  bool ui = false;
  std::string listen = "127.0.0.1:8080";
  std::size_t max_request = 64 * 1024;
  std::size_t max_connections = 1024, max_per_client = 256, workers = 0;
  unsigned header_timeout = 10, body_timeout = 30;
  bool quiet = false;
  bool allow_root = false;
  std::string publish;
  std::vector<std::string> key_pass;  ///< NAME/ROLE=SOURCE
  PassphraseOptions pass;
};

// --key-pass NAME/ROLE=SOURCE: one key's own passphrase (or PIN) source.
std::map<std::string, sign::PassphraseProvider> key_passphrases(const ServeArgs& a) {
  std::map<std::string, sign::PassphraseProvider> out;
  for (const auto& item : a.key_pass) {
    const auto eq = item.find('=');
    const auto slash = item.find('/');
    const std::string who = item.substr(0, eq);
    if (eq == std::string::npos || (who != "ttp" && (slash == std::string::npos || slash > eq)))
      throw sign::UsageError("--key-pass '" + item + "': use NAME/ROLE=SOURCE (e.g. issuing/tsa=env:TSA_PASS) or ttp=SOURCE");
    const std::string role = who == "ttp" ? "ttp" : item.substr(slash + 1, eq - slash - 1);
    if (role != "ca" && role != "tsa" && role != "ocsp" && role != "ttp")
      throw sign::UsageError("--key-pass '" + item + "': ROLE must be ca, tsa or ocsp");
    out[who] = passphrase_from_spec(item.substr(eq + 1), who + " key");
  }
  return out;
}

std::pair<std::string, int> host_port(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw sign::UsageError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535) throw sign::UsageError("--listen port must be 0..65535");
  return {listen.substr(0, colon), port};
}

// The TTP behind POST /validate and POST /dvcs: its signer, trust store and policy.
struct Ttp {
  std::shared_ptr<sign::SignerSpec> signer;
  std::shared_ptr<sign::TrustStore> trust;
  std::shared_ptr<sign::ValidationPolicy> policy;
};

Ttp load_ttp(const ServeArgs& a, const sign::PassphraseProvider& passphrase) {
  const auto ttp_cert = sign::Certificate::load(a.ttp_cert);
  sign::KeyReferenceOptions ko;
  ko.passphrase = passphrase;
  ko.pkcs11.module = a.pass.pkcs11_module;
  ko.pkcs11.sm2_mechanisms = a.pass.pkcs11_sm2;
  ko.public_key = ttp_cert.public_key();
  auto ttp = std::make_shared<sign::SignerSpec>(sign::SignerSpec{sign::open_private_key(a.ttp_key, ko),
                                                                 ttp_cert, {}, {},
                                                                 sign::Commitment::none, {}});
  if (!a.ttp_chain.empty()) ttp->chain = sign::Certificate::load_all(a.ttp_chain);
  auto trust = std::make_shared<sign::TrustStore>(sign::TrustStore::load(a.trust));
  auto policy = std::make_shared<sign::ValidationPolicy>(trust->policy.value_or(sign::ValidationPolicy{}));
  return {ttp, trust, policy};
}

// POST /dvcs (application/dvcs): an RFC 3029 request (vsd or vpkc) -> a signed DVCSResponse; a
// request that cannot be read gets a signed DVCSErrorNotice (RFC 3029 answers errors in kind).
sign::ServerConfig::Route dvcs_route(const Ttp& t) {
  return {"/dvcs", [t](const std::string& body) -> std::tuple<int, std::string, std::string> {
            const auto now = std::chrono::floor<std::chrono::seconds>(sign::now());
            sign::SignerSpec spec = *t.signer;
            spec.signing_time = now;
            sign::Bytes response;
            try {
              const auto request = sign::parse_dvcs_request(
                  sign::ByteView(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
              response = sign::answer_dvcs_request(request, *t.trust, *t.policy, spec, now, sign::random_serial());
            } catch (const sign::FormatError& e) {
              response = sign::dvcs_error_response(std::string("malformed request: ") + e.what(), spec);
              return {400, "application/dvcs", std::string(response.begin(), response.end())};
            }
            return {200, "application/dvcs", std::string(response.begin(), response.end())};
          }};
}

// POST /validate: {"document": base64, "signature": base64} -> a signed receipt (DER).
sign::ServerConfig::Route validate_route(const Ttp& t) {
  auto ttp = t.signer;
  auto trust = t.trust;
  auto policy = t.policy;
  return {"/validate", [ttp, trust, policy](const std::string& body) -> std::tuple<int, std::string, std::string> {
            auto error = [](const std::string& what) {
              return std::tuple<int, std::string, std::string>{400, "application/json",
                                                               nlohmann::json{{"error", what}}.dump() + "\n"};
            };
            nlohmann::json j;
            try {
              j = nlohmann::json::parse(body);
            } catch (const nlohmann::json::exception&) {
              return error("the body must be JSON {\"document\": base64, \"signature\": base64}");
            }
            if (!j.is_object() || !j.contains("signature") || !j["signature"].is_string())
              return error("missing \"signature\" (base64)");
            try {
              const auto sig_vec = Botan::base64_decode(j["signature"].get<std::string>());
              const sign::Bytes sig(sig_vec.begin(), sig_vec.end());
              sign::Bytes doc;
              if (j.contains("document")) {
                const auto d = Botan::base64_decode(j["document"].get<std::string>());
                doc.assign(d.begin(), d.end());
              }
              const auto sd = sign::SignedDataView::parse(sign::memory_source(sig));
              const auto content = sd.attached() ? *sd.attached_content() : sign::Content::bytes(doc);
              if (!sd.attached() && !j.contains("document")) return error("detached signature: \"document\" is required");
              auto report = sign::validate_signed_data(sd, content, *trust, *policy);
              const auto now = std::chrono::floor<std::chrono::seconds>(sign::now());
              sign::SignerSpec spec = *ttp;
              spec.signing_time = now;
              const auto receipt = sign::issue_receipt(report, content, sig, spec, now);
              return {200, "application/pkcs7-mime", std::string(receipt.begin(), receipt.end())};
            } catch (const sign::Error& e) {
              return error(e.what());
            } catch (const std::exception&) {
              return error("the signature or document is not valid base64");
            }
          }};
}

void serve(const ServeArgs& a) {
  const auto [host, port] = host_port(a.listen);
  // The passphrase is asked once and reused for every key of every CA served.
  std::string cached;
  std::once_flag asked;
  auto provider = passphrase_for_reading(a.pass, "the CA keys");
  sign::ServerConfig config;
  config.ca_dirs = a.ca_dirs;
  config.passphrase = [&] {
    std::call_once(asked, [&] { cached = provider(); });
    return cached;
  };
  config.allow_root_ca = a.allow_root;
  config.published_dir = a.publish;
  // Keys with their own source are asked through it; the others share the one passphrase.
  auto own = std::make_shared<std::map<std::string, sign::PassphraseProvider>>(key_passphrases(a));
  config.key_passphrase = [own](const std::string& ca, const std::string& role) -> sign::PassphraseProvider {
    const auto it = own->find(ca + "/" + role);
    return it == own->end() ? sign::PassphraseProvider{} : it->second;
  };
  config.max_request_bytes = a.max_request;
  config.max_connections = a.max_connections;
  config.max_connections_per_client = a.max_per_client;
  config.header_timeout = std::chrono::seconds(a.header_timeout);
  config.body_timeout = std::chrono::seconds(a.body_timeout);
  config.workers = a.workers;
  static std::mutex log_mutex;
  if (!a.quiet)
    config.access_log = [](const std::string& line) {
      std::lock_guard lock(log_mutex);
      std::cerr << line << "\n";
    };
  std::optional<Ttp> ttp;
  if (!a.ttp_key.empty()) {
    const auto it = own->find("ttp");
    ttp = load_ttp(a, it == own->end() ? config.passphrase : it->second);
    config.post_routes.push_back(validate_route(*ttp));
    config.post_routes.push_back(dvcs_route(*ttp));
  }
  if (a.ui) {
    if (a.trust.empty()) throw sign::UsageError("--ui verifies with the roots you trust: give --trust DIR");
    sign::VerificationPageConfig page;
    if (ttp) {
      page.trust = ttp->trust;
      page.policy = ttp->policy;
      page.ttp = ttp->signer;
    } else {
      auto trust = std::make_shared<sign::TrustStore>(sign::TrustStore::load(a.trust));
      page.policy = std::make_shared<sign::ValidationPolicy>(trust->policy.value_or(sign::ValidationPolicy{}));
      page.trust = trust;
    }
    sign::add_verification_page(config, page);
  }
  sign::Server server(config);
  const int bound = server.bind(host, port);

  // SIGINT/SIGTERM are taken by one thread with sigwait, which stops the server cleanly.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    std::cerr << "xsign: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << " received, shutting down\n";
    server.stop();
  });
  std::string names;
  for (const auto& n : server.ca_names()) names += " " + n;
  std::cerr << "xsign: serving" << names << " on http://" << host << ":" << bound
            << " (/tsa, /ocsp, /crl/NAME.crl, /ca/NAME.crt, /health)" << std::endl;
  server.run();
  if (watcher.joinable()) {
    // run() may also end without a signal (bind lost): wake the watcher so it can exit.
    pthread_kill(watcher.native_handle(), SIGTERM);
    watcher.join();
  }
}

}  // namespace

void register_serve_command(CLI::App& app, Context&) {
  auto a = std::make_shared<ServeArgs>();
  auto* s = app.add_subcommand("serve", "Serve TSA, OCSP and CRLs of CA directories over HTTP");
  s->add_option("--ca", a->ca_dirs, "CA directory to serve (repeatable)")->required();
  s->add_option("--listen", a->listen, "HOST:PORT to listen on (port 0 = any free port)")->capture_default_str();
  s->add_option("--max-request-bytes", a->max_request, "Largest TSA/OCSP request accepted (413 beyond, checked while reading)")
      ->capture_default_str();
  s->add_option("--max-connections", a->max_connections, "Open connections in total (more get 503)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  s->add_option("--max-per-client", a->max_per_client, "Open connections per client address (more get 503)")
      ->capture_default_str()->check(CLI::Range(1, 1000000));
  s->add_option("--header-timeout", a->header_timeout, "Seconds for a request's line and headers to arrive (408)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  s->add_option("--body-timeout", a->body_timeout, "Seconds for a request body to arrive (408)")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  s->add_option("--workers", a->workers, "Request handler threads (0 = 2 per core, at least 4)")->capture_default_str();
  s->add_flag("--quiet", a->quiet, "No access log on stderr");
  s->add_option("--ttp-key", a->ttp_key, "Enable POST /dvcs (RFC 3029) and POST /validate: the TTP's key");
  s->add_option("--ttp-cert", a->ttp_cert, "The TTP's certificate");
  s->add_option("--ttp-chain", a->ttp_chain, "The TTP's issuing CAs");
  s->add_option("--trust", a->trust, "The trust store the TTP and the verification page verify with");
  s->add_flag("--ui", a->ui,
              "Serve the verification page at / and /ui: upload a signature (and its document), see the report; "
              "needs --trust (with --ttp-key the page also offers a DVCS receipt)");
  s->add_flag("--allow-root-ca", a->allow_root,
              "Serve a root CA directory too (its key then sits in a network-facing process: test set-ups only)");
  s->add_option("--publish", a->publish,
                "Directory of CRLs and certificates of CAs not served here (the offline root's NAME.crl, NAME.crt)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
  s->add_option("--key-pass", a->key_pass,
                "One key's own passphrase or PIN source: NAME/ROLE=SOURCE (ROLE ca, tsa, ocsp; SOURCE file:PATH, "
                "env:VAR, fd:N, prompt), or ttp=SOURCE; repeatable. Other keys use --pass-*")
      ->type_name("NAME/ROLE=SOURCE");
  add_passphrase_options(*s, a->pass, false);
  add_key_source_options(*s, a->pass);
  s->callback([a] { serve(*a); });
}

}  // namespace xsign
