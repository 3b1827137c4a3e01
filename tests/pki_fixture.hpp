// Both national PKIs, made with the CLI as a CA operator would: shared by the ca, cms and
// later test files.
#pragma once

#include <sign/pki.hpp>

#include "support.hpp"

#include <catch2/catch.hpp>

namespace testing {

inline const std::string kProfiles = XSIGN_SOURCE_DIR "/certs/";

// Both national PKIs made with the CLI: root + issuing CA + one trader each, CRLs, and
// cross-certificates in both directions.
struct TwoDomains {
  TempDir dir;
  std::string f(const std::string& name) const { return dir.file(name); }

  void run_ok(const std::string& args) {
    const auto r = xsign(args);
    INFO(args << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
  }

  void domain(const std::string& d, const std::string& suite, const std::string& trader_subject) {
    const std::string profile = d == "cn" ? cn_profile : ru_profile;
    run_ok("ca init --dir " + q(f(d + "-root")) + " --profile " + q(profile) + " --no-encrypt --out " +
           q(f(d + "-root.pem")));
    run_ok("ca init --role issuing --parent " + q(f(d + "-root")) + " --dir " + q(f(d + "-issuing")) + " --profile " +
           q(profile) + " --no-encrypt --out " + q(f(d + "-issuing.pem")));
    run_ok("key gen --suite " + suite + " --no-encrypt --out " + q(f(d + "-trader.key")));
    run_ok("csr --key " + q(f(d + "-trader.key")) + " --subject " + q(trader_subject) + " --out " +
           q(f(d + "-trader.csr")));
    run_ok("ca issue " + q(f(d + "-trader.csr")) + " --dir " + q(f(d + "-issuing")) + " --profile trader --out " +
           q(f(d + "-trader.pem")));
    crls(d);
  }

  void crls(const std::string& d) {
    // Republished CRLs replace the previous files.
    run_ok("ca crl --dir " + q(f(d + "-root")) + " --force --out " + q(f(d + "-root.crl")));
    run_ok("ca crl --dir " + q(f(d + "-issuing")) + " --force --out " + q(f(d + "-issuing.crl")));
    write(f(d + "-crls.pem"), read(f(d + "-root.crl")) + read(f(d + "-issuing.crl")));
  }

  /// Profiles whose CRL/OCSP/caIssuers URLs point at 127.0.0.1:PORT (for a test server).
  std::string cn_profile = kProfiles + "cn.toml", ru_profile = kProfiles + "ru.toml";

  explicit TwoDomains(int service_port = 0) {
    if (service_port) {
      for (const std::string d : {"cn", "ru"}) {
        std::string text = read(kProfiles + d + ".toml");
        for (const std::string old : {"127.0.0.1:8301", "127.0.0.1:8302"})
          for (auto at = text.find(old); at != std::string::npos; at = text.find(old))
            text.replace(at, old.size(), "127.0.0.1:" + std::to_string(service_port));
        write(f(d + "-profile.toml"), text);
      }
      cn_profile = f("cn-profile.toml");
      ru_profile = f("ru-profile.toml");
    }
    domain("ru", "gost256", "/C=RU/O=OOO Volga Stanki/CN=Ivan Petrov/INN=770123456789/OGRN=1027700000001");
    domain("cn", "sm2", "/C=CN/O=Shanghai Precision Machinery/CN=Li Wei/USCC=91310000MA1FL0XX1A");
    run_ok("ca cross-certify " + q(f("cn-root.pem")) + " --dir " + q(f("ru-root")) +
           " --permit /C=CN --path-len 1 --out " + q(f("x-ru-cn.pem")));
    run_ok("ca cross-certify " + q(f("ru-root.pem")) + " --dir " + q(f("cn-root")) +
           " --permit /C=RU --path-len 1 --out " + q(f("x-cn-ru.pem")));
  }

  sign::Certificate cert(const std::string& name) const { return sign::Certificate::load(f(name)); }
};

// Both domains with TSA and OCSP services, their URLs pointing at one test server.
struct Services : testing::TwoDomains {
  int port;
  std::unique_ptr<testing::ServeProcess> server;

  explicit Services(int p = testing::free_port()) : testing::TwoDomains(p), port(p) {
    for (const std::string d : {"cn", "ru"})
      for (const std::string role : {"tsa", "ocsp"})
        run_ok("ca service --dir " + q(f(d + "-issuing")) + " --role " + role + " --no-encrypt");
    start();
  }
  void start() {
    server = std::make_unique<testing::ServeProcess>(
        std::vector<std::string>{f("ru-issuing"), f("cn-issuing"), f("ru-root"), f("cn-root")}, port);
  }
  std::string url(const std::string& path) const { return server->url(path); }
};

}  // namespace testing
