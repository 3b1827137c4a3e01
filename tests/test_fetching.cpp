// Chains and revocation as a verifier at a border post gets them: a missing intermediate from
// caIssuers, OCSP down and the CRL used instead, both down, a stale CRL, a proxy, HTTPS, and a
// batch of a thousand signatures that fetches each CRL once (the server counts its requests).
#include <catch2/catch.hpp>

#include "support.hpp"

#include <sign/asn1.hpp>
#include <sign/cms.hpp>
#include <sign/pki.hpp>
#include <sign/validate.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

using testing::q;
using testing::xsign;

namespace fs = std::filesystem;

namespace {

void run_ok(const std::string& args) {
  const auto r = xsign(args);
  INFO("xsign " << args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
}

// Serves a publication directory (ca/NAME.crt, crl/NAME.crl) and counts every request; OCSP
// answers 503 unless told otherwise, and CRLs can be switched off.
struct Publisher {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  fs::path dir;
  std::mutex mutex;
  std::map<std::string, int> hits;
  std::atomic<bool> crls_down{false};

  explicit Publisher(fs::path d) : dir(std::move(d)) {
    auto file = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex);
        ++hits[req.path];
      }
      if (crls_down && req.path.rfind("/crl/", 0) == 0) {
        res.status = 503;
        return;
      }
      const fs::path f = dir / req.path.substr(1);
      if (req.path.find("..") != std::string::npos || !fs::exists(f)) {
        res.status = 404;
        return;
      }
      res.set_content(testing::read(f.string()), "application/octet-stream");
    };
    server.Get(R"(/(ca|crl)/.*)", file);
    server.Post("/ocsp", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex);
      ++hits[req.path];
      res.status = 503;
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~Publisher() {
    server.stop();
    thread.join();
  }
  int count(const std::string& path) {
    std::lock_guard lock(mutex);
    return hits[path];
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
};

// A P-256 domain (root, issuing CA, trader) whose certificates name `base` for CRLs, OCSP and
// caIssuers; the trader's signature embeds only the trader's certificate, and the verifier
// trusts only the root: the issuing CA must come from caIssuers.
struct FetchPki {
  testing::TempDir dir;
  std::string f(const std::string& n) const { return dir.file(n); }

  FetchPki(const std::string& base, const std::string& at = {}) {
    std::string text = testing::read(XSIGN_SOURCE_DIR "/certs/ru.toml");
    auto replace = [&](const std::string& from, const std::string& to) {
      for (auto p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size())) text.replace(p, from.size(), to);
    };
    replace("suite = \"gost256\"", "suite = \"p256\"");
    replace("http://127.0.0.1:8302", base);
    testing::write(f("p256.toml"), text);
    const std::string when = at.empty() ? "" : " --at " + at;
    run_ok("ca init --dir " + q(f("root")) + " --profile " + q(f("p256.toml")) + " --no-encrypt --out " + q(f("root.pem")) + when);
    run_ok("ca init --role issuing --parent " + q(f("root")) + " --dir " + q(f("issuing")) + " --profile " +
           q(f("p256.toml")) + " --no-encrypt --out " + q(f("issuing.pem")) + when);
    run_ok("key gen --suite p256 --no-encrypt --out " + q(f("trader.key")));
    run_ok("csr --key " + q(f("trader.key")) + " --subject '/C=RU/O=Volga/CN=Trader' --out " + q(f("trader.csr")));
    run_ok("ca issue " + q(f("trader.csr")) + " --dir " + q(f("issuing")) + " --profile trader --out " + q(f("trader.pem")) + when);
    fs::create_directories(f("pub/ca"));
    fs::create_directories(f("pub/crl"));
    REQUIRE(testing::openssl_plain("x509 -in " + q(f("issuing.pem")) + " -outform DER -out " + q(f("pub/ca/issuing.crt")))
                .exit_code == 0);
    fs::create_directories(f("trust/anchors"));
    fs::copy_file(f("root.pem"), f("trust/anchors/root.pem"));
    policy("");
    testing::write(f("invoice.xml"), "<Invoice><No>BORDER-1</No></Invoice>\n");
    run_ok("sign " + q(f("invoice.xml")) + " --key " + q(f("trader.key")) + " --cert " + q(f("trader.pem")) +
           (at.empty() ? "" : " --at " + at));
  }
  void publish_crls(const std::string& extra = "") {
    run_ok("ca crl --dir " + q(f("root")) + " --force --out " + q(f("pub/crl/root.crl")) + extra);
    run_ok("ca crl --dir " + q(f("issuing")) + " --force --out " + q(f("pub/crl/issuing.crl")) + extra);
  }
  void policy(const std::string& extra) {
    testing::write(f("trust/policy.toml"), "fetch_private_addresses = true\n" + extra);
  }
  nlohmann::json verify(const std::string& extra = "", int* exit_code = nullptr) {
    const auto r = xsign("verify " + q(f("invoice.xml")) + " --trust " + q(f("trust")) + " --json " + extra);
    INFO(r.err);
    if (exit_code) *exit_code = r.exit_code;
    return nlohmann::json::parse(r.out)["signatures"][0];
  }
};

// A forward proxy that records each request line and relays it (absolute-form to origin-form).
struct RecordingProxy {
  int listener = -1, port = 0;
  std::thread thread;
  std::mutex mutex;
  std::vector<std::string> lines;
  std::atomic<bool> stop{false};

  RecordingProxy() {
    listener = testing::loopback_listener(port, 16);
    REQUIRE(listener >= 0);
    thread = std::thread([this] { serve(); });
  }
  ~RecordingProxy() {
    stop = true;
    ::shutdown(listener, SHUT_RDWR);
    ::close(listener);
    thread.join();
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return lines;
  }
  void serve() {
    while (!stop) {
      const int c = ::accept(listener, nullptr, nullptr);
      if (c < 0) return;
      std::string head;
      char ch;
      while (head.find("\r\n\r\n") == std::string::npos && ::read(c, &ch, 1) == 1) head += ch;
      const std::string line = head.substr(0, head.find("\r\n"));
      {
        std::lock_guard lock(mutex);
        lines.push_back(line);
      }
      // "GET http://127.0.0.1:PORT/path HTTP/1.1": relay to 127.0.0.1:PORT as "GET /path HTTP/1.1".
      const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
      const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      const auto host_start = target.find("//") + 2, path_start = target.find('/', host_start);
      const std::string authority = target.substr(host_start, path_start - host_start);
      const int port_to = std::stoi(authority.substr(authority.rfind(':') + 1));
      const int up = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(port_to));
      if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        const std::string rewritten = line.substr(0, sp1) + " " + target.substr(path_start) + line.substr(sp2) +
                                      head.substr(head.find("\r\n"));
        (void)!::write(up, rewritten.data(), rewritten.size());
        char buf[16384];
        ssize_t n;
        while ((n = ::read(up, buf, sizeof buf)) > 0) (void)!::write(c, buf, static_cast<size_t>(n));
      }
      ::close(up);
      ::close(c);
    }
  }
};

// The publication server and a PKI that points at it, CRLs published.
struct Border {
  testing::TempDir pubdir;
  Publisher server{pubdir.path()};
  FetchPki pki{server.base()};
  explicit Border(const std::string& policy_extra = "") {
    server.dir = pki.f("pub");
    pki.publish_crls();
    if (!policy_extra.empty()) pki.policy(policy_extra);
  }
};

}  // namespace

TEST_CASE("A missing intermediate comes from caIssuers, and with OCSP down the CRL is used and said so",
          "[fetch][revocation]") {
  Border b;
  auto& server = b.server;
  auto& pki = b.pki;
  int code = -1;
  const auto s = pki.verify("", &code);
  INFO(s.dump(2));
  CHECK(code == 0);
  CHECK(s["indication"] == "TOTAL-PASSED");
  REQUIRE(s["path"].size() == 3);
  CHECK(s["path"][1]["source"] == "fetched: " + server.base() + "/ca/issuing.crt");
  CHECK(s["path"][0]["source"].is_null());
  // The trader's status: OCSP was asked first (503), then the CRL.
  CHECK(server.count("/ocsp") >= 1);
  CHECK_THAT(s["revocation"][0]["source"].get<std::string>(), Catch::Contains("CRL used instead"));
  CHECK(server.count("/ca/issuing.crt") == 1);
  // Offline: nothing is fetched, and the verdict says why it cannot conclude.
  const int before = server.count("/crl/issuing.crl");
  const auto off = pki.verify("--offline --no-cache", &code);
  CHECK(code == 2);
  CHECK(off["indication"] == "INDETERMINATE");
  CHECK(server.count("/crl/issuing.crl") == before);
}

TEST_CASE("With OCSP and CRLs down the verdict is TRY_LATER with the reason, and a stale CRL is not used",
          "[fetch][revocation]") {
  testing::TempDir pubdir;
  Publisher server(pubdir.path());
  SECTION("both down") {
    FetchPki pki(server.base());
    server.dir = pki.f("pub");
    pki.publish_crls();
    server.crls_down = true;
    int code = -1;
    const auto s = pki.verify("--no-cache", &code);
    CHECK(code == 2);
    CHECK(s["indication"] == "INDETERMINATE");
    CHECK(s["sub_indication"] == "TRY_LATER");
    CHECK_THAT(s["message"].get<std::string>(), Catch::Contains("HTTP 503"));
  }
  SECTION("a CRL past its nextUpdate") {
    // The PKI lives in January; its CRLs said "next update tomorrow" then, and were never renewed.
    FetchPki pki(server.base(), "2026-01-05T10:00:00Z");
    server.dir = pki.f("pub");
    pki.publish_crls(" --at 2026-01-06T10:00:00Z --hours 24");
    int code = -1;
    const auto s = pki.verify("--no-cache", &code);
    CHECK(code == 2);
    CHECK(s["sub_indication"] == "TRY_LATER");
    CHECK_THAT(s["message"].get<std::string>(), Catch::Contains("out of date"));
    // As of a time the CRL covered, it is good evidence.
    const auto then = pki.verify("--no-cache --at 2026-01-06T12:00:00Z", &code);
    CHECK(then["indication"] == "TOTAL-PASSED");
  }
}

TEST_CASE("Fetches go through http_proxy unless no_proxy names the host", "[fetch][proxy]") {
  Border b("revocation_order = \"crl-first\"\n");
  auto& server = b.server;
  auto& pki = b.pki;
  RecordingProxy proxy;
  ::setenv("http_proxy", ("http://127.0.0.1:" + std::to_string(proxy.port)).c_str(), 1);
  int code = -1;
  const auto s = pki.verify("--no-cache", &code);
  ::unsetenv("http_proxy");
  CHECK(s["indication"] == "TOTAL-PASSED");
  const auto lines = proxy.seen();
  auto saw = [&](const std::string& path) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l == "GET " + server.base() + path + " HTTP/1.1"; });
  };
  CHECK(saw("/ca/issuing.crt"));
  CHECK(saw("/crl/issuing.crl"));
  CHECK(saw("/crl/root.crl"));
  // no_proxy: straight to the server.
  ::setenv("http_proxy", ("http://127.0.0.1:" + std::to_string(proxy.port)).c_str(), 1);
  ::setenv("no_proxy", "localhost,127.0.0.1", 1);
  const auto direct = pki.verify("--no-cache", &code);
  ::unsetenv("http_proxy");
  ::unsetenv("no_proxy");
  CHECK(direct["indication"] == "TOTAL-PASSED");
  CHECK(proxy.seen().size() == lines.size());
}

TEST_CASE("HTTPS: CRLs and CA certificates over TLS, trusted through tls_ca_file, refused otherwise", "[fetch][tls]") {
  // A TLS server for "localhost" with a certificate from a test CA, serving files (openssl s_server -WWW).
  testing::TempDir tls;
  const auto gen = testing::openssl_plain(
      "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-tls-ca -keyout " +
      q(tls.file("ca.key")) + " -out " + q(tls.file("ca.pem")));
  REQUIRE(gen.exit_code == 0);
  testing::write(tls.file("ext.cnf"), "subjectAltName=DNS:localhost\n");
  REQUIRE(testing::openssl_plain("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -keyout " +
                                 q(tls.file("srv.key")) + " -out " + q(tls.file("srv.csr")))
              .exit_code == 0);
  REQUIRE(testing::openssl_plain("x509 -req -in " + q(tls.file("srv.csr")) + " -CA " + q(tls.file("ca.pem")) + " -CAkey " +
                                 q(tls.file("ca.key")) + " -CAcreateserial -days 2 -extfile " + q(tls.file("ext.cnf")) +
                                 " -out " + q(tls.file("srv.pem")))
              .exit_code == 0);
  const int port = testing::free_port();
  FetchPki pki("https://localhost:" + std::to_string(port));
  pki.publish_crls();
  const auto started = testing::run("cd " + q(pki.f("pub")) + " && (openssl s_server -quiet -WWW -accept " +
                                    std::to_string(port) + " -cert " + q(tls.file("srv.pem")) + " -key " +
                                    q(tls.file("srv.key")) + " >/dev/null 2>&1 & echo $!)");
  const int pid = std::stoi(started.out);
  for (int i = 0; i < 50; ++i) {
    if (testing::run("curl -sk -o /dev/null https://localhost:" + std::to_string(port) + "/crl/root.crl").exit_code == 0) break;
    testing::run("sleep 0.1");
  }
  pki.policy("revocation_order = \"crl-first\"\ntls_ca_file = " + nlohmann::json(tls.file("ca.pem")).dump() + "\n");
  int code = -1;
  const auto s = pki.verify("--no-cache", &code);
  CHECK(s["indication"] == "TOTAL-PASSED");
  CHECK(s["path"][1]["source"] == "fetched: https://localhost:" + std::to_string(port) + "/ca/issuing.crt");
  // Without the private CA the server is not trusted: nothing fetched, not proven.
  pki.policy("revocation_order = \"crl-first\"\n");
  const auto untrusted = pki.verify("--no-cache", &code);
  CHECK(code == 2);
  CHECK_THAT(untrusted.dump(), Catch::Contains("not trusted"));
  testing::run("kill " + std::to_string(pid));
}

TEST_CASE("In one process a failed responder is not asked again before fetch_retry_after, and fetched CRLs stay in memory",
          "[fetch][cache]") {
  Border b;  // OCSP answers 503; CRLs and the issuing CA are served
  auto& server = b.server;
  auto& pki = b.pki;
  const auto store = sign::TrustStore::load(pki.f("trust"));
  auto policy = sign::ValidationPolicy::load(pki.f("trust/policy.toml"));
  policy.cache_dir = pki.f("cache");
  auto validate = [&] {
    const auto sd = sign::SignedDataView::parse(sign::open_file_source(pki.f("invoice.xml.p7s")));
    const auto report = sign::validate_signed_data(sd, sign::Content::file(pki.f("invoice.xml")), store, policy);
    REQUIRE(report.signatures.size() == 1);
    return report.signatures[0];
  };
  auto warned = [](const sign::SignatureReport& r, const std::string& text) {
    return std::any_of(r.warnings.begin(), r.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };

  const auto first = validate();
  CHECK(first.indication == sign::Indication::total_passed);
  const int ocsp_asked = server.count("/ocsp");
  CHECK(ocsp_asked >= 1);
  CHECK(server.count("/crl/issuing.crl") == 1);

  // The responder failed moments ago: this process does not ask it again, and says why.
  const auto second = validate();
  CHECK(second.indication == sign::Indication::total_passed);
  CHECK(server.count("/ocsp") == ocsp_asked);
  CHECK(warned(second, "s ago; asked again 60 s after the failure"));
  // The CRL comes from memory: even with the cache directory gone nothing is fetched again.
  fs::remove_all(pki.f("cache"));
  CHECK(validate().indication == sign::Indication::total_passed);
  CHECK(server.count("/crl/issuing.crl") == 1);

  SECTION("fetch_retry_after_seconds = 0: every validation asks the responder") {
    policy.fetch_retry_after = std::chrono::seconds(0);
    validate();
    CHECK(server.count("/ocsp") > ocsp_asked);
  }
  SECTION("once the retry time has passed the responder is asked again") {
    policy.fetch_retry_after = std::chrono::seconds(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    validate();
    CHECK(server.count("/ocsp") > ocsp_asked);
  }
  SECTION("clearing the cache clears this process's memory of it too") {
    CHECK(sign::fetch_cache_clear(policy) == 0);  // the files were gone already
    CHECK(validate().indication == sign::Indication::total_passed);
    CHECK(server.count("/crl/issuing.crl") == 2);
  }
  SECTION("a policy file sets it, within bounds") {
    testing::write(pki.f("retry.toml"), "fetch_retry_after_seconds = 5\n");
    CHECK(sign::ValidationPolicy::load(pki.f("retry.toml")).fetch_retry_after == std::chrono::seconds(5));
    testing::write(pki.f("retry.toml"), "fetch_retry_after_seconds = -1\n");
    CHECK_THROWS_WITH(sign::ValidationPolicy::load(pki.f("retry.toml")),
                      Catch::Contains("fetch_retry_after_seconds") && Catch::Contains("0..86400"));
  }
}

TEST_CASE("A batch of 1,000 signatures by one signer fetches each CRL once", "[fetch][cache]") {
  Border b("revocation_order = \"crl-first\"\n");
  auto& server = b.server;
  auto& pki = b.pki;
  fs::create_directories(pki.f("batch"));
  for (int i = 0; i < 1000; ++i) testing::write(pki.f("batch/inv-" + std::to_string(i) + ".xml"), "<Invoice>" + std::to_string(i) + "</Invoice>\n");
  run_ok("sign --dir " + q(pki.f("batch")) + " --key " + q(pki.f("trader.key")) + " --cert " + q(pki.f("trader.pem")) + " --quiet");
  const std::string cache = pki.f("cache");
  const auto r = testing::run(q(XSIGN_BIN) + " verify-batch " + q(pki.f("batch")) + "/*.p7s --trust " + q(pki.f("trust")) +
                              " --jobs 4 --cache-dir " + q(cache) + " --quiet");
  INFO(r.err.substr(0, 2000));
  CHECK(r.exit_code == 0);
  CHECK(server.count("/crl/issuing.crl") == 1);
  CHECK(server.count("/crl/root.crl") == 1);
  CHECK(server.count("/ca/issuing.crt") == 1);
  CHECK(server.count("/ocsp") == 0);
  // A second run (another process) takes everything from the cache.
  const auto again = testing::run(q(XSIGN_BIN) + " verify-batch " + q(pki.f("batch")) + "/inv-1.xml.p7s --trust " +
                                  q(pki.f("trust")) + " --cache-dir " + q(cache) + " --quiet");
  CHECK(again.exit_code == 0);
  CHECK(server.count("/crl/issuing.crl") == 1);
  const auto listed = xsign("cache list --json --cache-dir " + q(cache));
  REQUIRE(listed.exit_code == 0);
  const auto j = nlohmann::json::parse(listed.out);
  CHECK(j["entries"].size() == 3);
  CHECK(xsign("cache clear --cache-dir " + q(cache)).exit_code == 0);
  CHECK(nlohmann::json::parse(xsign("cache list --json --cache-dir " + q(cache)).out)["entries"].empty());
}

namespace {

// Long-term proof: a signature time-stamped by a TSA whose certificate lives 30 days, made LT,
// then LTA with a TSA whose certificate lives ten years; judged months and years later (the
// verifier's clock moved with faketime), with CRLs the CAs issue then.
struct LongTermPki {
  testing::TempDir dir;
  int port = testing::free_port();
  std::string f(const std::string& n) const { return dir.file(n); }

  void profile(const std::string& name, unsigned tsa_days) {
    std::string text = testing::read(XSIGN_SOURCE_DIR "/certs/ru.toml");
    auto replace = [&](const std::string& from, const std::string& to) {
      for (auto p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size())) text.replace(p, from.size(), to);
    };
    replace("suite = \"gost256\"", "suite = \"p256\"");
    replace("http://127.0.0.1:8302", "http://127.0.0.1:" + std::to_string(port));
    const std::string tsa_table = "[profiles.tsa]\nvalidity_days = 1825";
    const auto tsa = text.find(tsa_table);
    REQUIRE(tsa != std::string::npos);
    text.replace(tsa, tsa_table.size(), "[profiles.tsa]\nvalidity_days = " + std::to_string(tsa_days));
    testing::write(f(name), text);
  }

  LongTermPki() {
    profile("short.toml", 30);
    profile("long.toml", 3650);
    run_ok("ca init --dir " + q(f("root")) + " --profile " + q(f("short.toml")) + " --no-encrypt --out " + q(f("root.pem")));
    run_ok("ca init --role issuing --parent " + q(f("root")) + " --dir " + q(f("issuing-a")) + " --profile " +
           q(f("short.toml")) + " --no-encrypt");
    run_ok("ca init --role issuing --parent " + q(f("root")) + " --dir " + q(f("issuing-b")) + " --profile " +
           q(f("long.toml")) + " --no-encrypt --subject '/C=RU/O=Moscow Trusted Trade CA/CN=Moscow Archive CA'");
    run_ok("ca service --dir " + q(f("issuing-a")) + " --role tsa --no-encrypt");
    run_ok("ca service --dir " + q(f("issuing-b")) + " --role tsa --no-encrypt");
    run_ok("key gen --suite p256 --no-encrypt --out " + q(f("trader.key")));
    run_ok("csr --key " + q(f("trader.key")) + " --subject '/C=RU/O=Volga/CN=Archivist' --out " + q(f("t.csr")));
    run_ok("ca issue " + q(f("t.csr")) + " --dir " + q(f("issuing-a")) + " --profile trader --out " + q(f("trader.pem")));
    fs::create_directories(f("trust/anchors"));
    fs::copy_file(f("root.pem"), f("trust/anchors/root.pem"));
    testing::write(f("trust/policy.toml"), "fetch_private_addresses = true\n");
    testing::write(f("deed.xml"), "<Deed><No>ARCHIVE-2026-1</No></Deed>\n");
    testing::ServeProcess serve({f("root"), f("issuing-a"), f("issuing-b")}, port);
    run_ok("sign " + q(f("deed.xml")) + " --key " + q(f("trader.key")) + " --cert " + q(f("trader.pem")) + " --level T --tsa " +
           q(serve.url("/tsa/issuing-a")) + " --out " + q(f("deed-t.p7s")));
    run_ok("extend " + q(f("deed-t.p7s")) + " --to LT --trust " + q(f("trust")) + " --out " + q(f("deed-lt.p7s")));
    run_ok("extend " + q(f("deed-lt.p7s")) + " --to LTA --content " + q(f("deed.xml")) + " --tsa " +
           q(serve.url("/tsa/issuing-b")) + " --out " + q(f("deed-lta.p7s")));
  }

  // The CRLs the CAs publish `days` from now (an hour before the verifier looks).
  std::string crls_at(int days) {
    const auto when = sign::format_time(std::chrono::floor<std::chrono::seconds>(sign::now()) + std::chrono::hours(24 * days - 1));
    std::string args;
    for (const std::string ca : {"root", "issuing-a", "issuing-b"}) {
      const std::string out = f(ca + "-" + std::to_string(days) + ".crl");
      run_ok("ca crl --dir " + q(f(ca)) + " --at " + when + " --hours 48 --force --out " + q(out));
      args += " --crl " + q(out);
    }
    return args;
  }

  // verify as of `days` from now (faketime moves the clock), offline, with the CRLs of then.
  nlohmann::json verify_later(const std::string& file, int days, const std::string& crls, int* code) {
    // Under AddressSanitizer the allocator reads the monotonic clock while it maps its first
    // regions; libfaketime, not yet initialized, then calls dlsym, which allocates: a deadlock at
    // start-up. Not releasing memory to the OS on a timer takes those clock reads away.
    const auto r = testing::run("ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_release_to_os_interval_ms=-1\" faketime -f +" +
                                std::to_string(days) + "d " + q(XSIGN_BIN) + " verify " + q(f("deed.xml")) +
                                " " + q(f(file)) + " --trust " + q(f("trust")) + " --offline --json" + crls);
    INFO(r.err);
    *code = r.exit_code;
    return nlohmann::json::parse(r.out)["signatures"][0];
  }
};

}  // namespace

TEST_CASE("Past signature validation: the archive time-stamp proves what expired or was revoked later",
          "[fetch][lta][longterm]") {
  REQUIRE(testing::run("command -v faketime").exit_code == 0);  // installed by scripts/setup.sh
  LongTermPki p;
  int code = -1;
  // Today every level passes.
  for (const std::string file : {"deed-lt.p7s", "deed-lta.p7s"}) {
    CAPTURE(file);
    const auto r = xsign("verify " + q(p.f("deed.xml")) + " " + q(p.f(file)) + " --trust " + q(p.f("trust")) + " --offline");
    CHECK(r.exit_code == 0);
  }
  const auto crls60 = p.crls_at(60);
  SECTION("60 days on: the first TSA's certificate has expired") {
    // LT: its time-stamp proves nothing now; the signer's certificate is still valid, so the
    // signature is judged as of now, without proof of existence.
    const auto lt = p.verify_later("deed-lt.p7s", 60, crls60, &code);
    INFO(lt.dump(2));
    CHECK(lt["time_stamp"]["valid"] == false);
    CHECK_THAT(lt["validation_time"]["source"].get<std::string>(), Catch::Contains("no valid time-stamp"));
    const auto lta = p.verify_later("deed-lta.p7s", 60, crls60, &code);
    INFO(lta.dump(2));
    CHECK(code == 0);
    CHECK(lta["indication"] == "TOTAL-PASSED");
    CHECK(lta["level"] == "LTA");
    CHECK(lta["time_stamp"]["valid"] == true);
    CHECK_THAT(lta.dump(), Catch::Contains("proven by the archive time-stamp"));
  }
  SECTION("400 days on: the signer's certificate has expired too") {
    const auto crls400 = p.crls_at(400);
    const auto lt = p.verify_later("deed-lt.p7s", 400, crls400, &code);
    CHECK(code == 2);  // nothing proves the signature existed while the certificate was valid
    CHECK(lt["sub_indication"] == "OUT_OF_BOUNDS_NO_POE");
    const auto lta = p.verify_later("deed-lta.p7s", 400, crls400, &code);
    INFO(lta.dump(2));
    CHECK(lta["indication"] == "TOTAL-PASSED");
  }
  SECTION("revoked after the time-stamps: the signer and the first TSA, ten days on") {
    const auto ten = sign::format_time(std::chrono::floor<std::chrono::seconds>(sign::now()) + std::chrono::hours(24 * 10));
    run_ok("ca revoke " + sign::Certificate::load(p.f("trader.pem")).serial_hex() + " --dir " + q(p.f("issuing-a")) +
           " --reason keyCompromise --at " + ten);
    run_ok("ca revoke " + sign::Certificate::load(p.f("issuing-a/services/tsa.pem")).serial_hex() + " --dir " +
           q(p.f("issuing-a")) + " --reason keyCompromise --at " + ten);
    const auto crls = p.crls_at(60);
    const auto lta = p.verify_later("deed-lta.p7s", 60, crls, &code);
    INFO(lta.dump(2));
    CHECK(lta["indication"] == "TOTAL-PASSED");
    CHECK_THAT(lta.dump(), Catch::Contains("after the time-stamp"));
  }
  SECTION("a TSA revoked before it stamped: the archive time-stamp cannot rescue the token") {
    const auto before = sign::format_time(std::chrono::floor<std::chrono::seconds>(sign::now()) - std::chrono::hours(1));
    run_ok("ca revoke " + sign::Certificate::load(p.f("issuing-a/services/tsa.pem")).serial_hex() + " --dir " +
           q(p.f("issuing-a")) + " --reason keyCompromise --at " + before);
    const auto crls = p.crls_at(400);
    const auto lta = p.verify_later("deed-lta.p7s", 400, crls, &code);
    INFO(lta.dump(2));
    CHECK(lta["indication"] != "TOTAL-PASSED");
    CHECK_THAT(lta.dump(), Catch::Contains("revoked"));
  }
}

TEST_CASE("Hostile caIssuers answers and a tampered cache entry cost a warning and a fetch, never a wrong verdict",
          "[fetch][cache][hostile]") {
  Border b("revocation_order = \"crl-first\"\n");
  auto& server = b.server;
  auto& pki = b.pki;
  const std::string good_ca = testing::read(pki.f("pub/ca/issuing.crt"));
  int code = -1;
  for (const std::string& junk : {std::string("<html>moved</html>"), std::string(5000, '\x30'), good_ca.substr(0, good_ca.size() / 2)}) {
    testing::write(pki.f("pub/ca/issuing.crt"), junk);
    const auto s = pki.verify("--no-cache", &code);
    CHECK(code == 2);
    CHECK(s["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND");
  }
  testing::write(pki.f("pub/ca/issuing.crt"), good_ca);
  const std::string cache = " --cache-dir " + q(pki.f("cache"));
  CHECK(pki.verify(cache, &code)["indication"] == "TOTAL-PASSED");
  CHECK(server.count("/crl/issuing.crl") == 1);
  // One byte of every cached entry flipped: each is detected, dropped and fetched again.
  for (const auto& e : fs::directory_iterator(pki.f("cache"))) {
    if (e.path().extension() != ".entry") continue;
    std::string bytes = testing::read(e.path().string());
    bytes[bytes.size() - 3] ^= 0x01;
    testing::write(e.path().string(), bytes);
  }
  CHECK(pki.verify(cache, &code)["indication"] == "TOTAL-PASSED");
  CHECK(server.count("/crl/issuing.crl") == 2);
}

TEST_CASE("Delta CRLs: the complete CRL names its delta, the delta brings a revocation, and is never a complete CRL",
          "[fetch][revocation][delta]") {
  Border b("revocation_order = \"crl-first\"\n");
  auto& pki = b.pki;
  // openssl reads both extensions as RFC 5280 defines them.
  const auto complete = testing::openssl_plain("crl -in " + q(pki.f("pub/crl/issuing.crl")) + " -noout -text");
  CHECK_THAT(complete.out, Catch::Contains("Freshest CRL") && Catch::Contains(b.server.base() + "/crl/issuing-delta.crl"));
  run_ok("ca revoke " + sign::Certificate::load(pki.f("trader.pem")).serial_hex() + " --dir " + q(pki.f("issuing")) +
         " --reason keyCompromise");
  run_ok("ca crl --delta --dir " + q(pki.f("issuing")) + " --out " + q(pki.f("pub/crl/issuing-delta.crl")));
  const auto delta = testing::openssl_plain("crl -in " + q(pki.f("pub/crl/issuing-delta.crl")) + " -noout -text");
  CHECK_THAT(delta.out, Catch::Contains("Delta CRL Indicator: critical"));
  int code = -1;
  const auto s = pki.verify("--no-cache", &code);
  INFO(s.dump(2));
  CHECK(code == 2);
  CHECK(s["sub_indication"] == "REVOKED_NO_POE");
  CHECK_THAT(s["revocation"][0]["source"].get<std::string>(), Catch::Contains("delta CRL"));
  CHECK(b.server.count("/crl/issuing-delta.crl") == 1);
  // The delta alone (no complete CRL at hand, offline) is not revocation information.
  const auto alone = pki.verify("--offline --untrusted " + q(pki.f("issuing.pem")) + " --crl " + q(pki.f("pub/crl/issuing-delta.crl")), &code);
  CHECK(code == 2);
  CHECK(alone["sub_indication"] == "TRY_LATER");
  // No delta before a complete CRL.
  run_ok("ca init --dir " + q(pki.f("fresh")) + " --profile " + q(pki.f("p256.toml")) + " --no-encrypt");
  const auto none = xsign("ca crl --delta --dir " + q(pki.f("fresh")) + " --out " + q(pki.f("none.crl")));
  CHECK(none.exit_code == 64);
  CHECK_FALSE(fs::exists(pki.f("none.crl")));
}
