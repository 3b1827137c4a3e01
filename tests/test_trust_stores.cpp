// Trust stores as they are published: the Russian accredited-CA list still holds GOST R
// 34.10-2001 certificates (verified for archives, never used to sign), and any store may hold
// entries xsign cannot use, which are skipped by name instead of failing the whole store.
#include <catch2/catch.hpp>

#include <sign/error.hpp>
#include <sign/validate.hpp>

#include "hostile_pki.hpp"
#include "support.hpp"

#include <filesystem>

using namespace testing;
using testing::q;

namespace {

// OpenSSL (GOST engine) with the clock at a date before the end of GOST R 34.10-2001.
CommandResult openssl_gost_in_2019(const std::string& args) {
  return run("OPENSSL_CONF=" + q(gost_conf_path()) + " faketime '2019-06-01 10:00:00' openssl " + args);
}

struct Archive2001 {
  TempDir dir;
  std::string doc = "Contract 2019/17 (archived)\n";
  Archive2001() {
    write(dir.file("doc.txt"), doc);
    REQUIRE(openssl_gost_in_2019("req -x509 -newkey gost2001 -pkeyopt paramset:A -md_gost94 -nodes -days 3650 "
                                 "-subj '/C=RU/CN=Archive 2001' -keyout " + q(dir.file("k.pem")) + " -out " +
                                 q(dir.file("c.pem")) + " -addext keyUsage=critical,digitalSignature,keyCertSign "
                                 "-addext basicConstraints=critical,CA:true")
                .exit_code == 0);
    REQUIRE(openssl_gost_in_2019("cms -sign -binary -nodetach -outform DER -in " + q(dir.file("doc.txt")) +
                                 " -signer " + q(dir.file("c.pem")) + " -inkey " + q(dir.file("k.pem")) +
                                 " -md md_gost94 -out " + q(dir.file("s.p7s")))
                .exit_code == 0);
  }
  std::string f(const std::string& n) const { return dir.file(n); }

  std::string verdict(sign::ValidationPolicy policy, std::optional<sign::TimePoint> at,
                      const std::string& p7s = "s.p7s") const {
    policy.revocation = sign::ValidationPolicy::Revocation::off;
    policy.require_signing_certificate = false;  // the engine cannot write ESS attributes with GOST
    sign::TrustStore trust;
    trust.anchors = {sign::Certificate::load(f("c.pem"))};
    sign::ValidateOptions o;
    o.validation_time = at;
    const auto report = sign::validate_signed_data(sign::SignedDataView::load(f(p7s)), std::nullopt, trust, policy, o);
    last_message = report.signatures.at(0).message;
    return verdict_of(report.signatures.at(0));
  }
  mutable std::string last_message;
};

}  // namespace

TEST_CASE("GOST R 34.10-2001 signatures verify at their time, not after the end of 2019", "[gost2001][interop]") {
  Archive2001 a;
  const auto in_2019 = sign::parse_time("2019-07-01");
  const auto sd = sign::SignedDataView::load(a.f("s.p7s"));
  CHECK(sd.certificates().at(0).public_key().suite() == sign::Suite::gost2001);
  CHECK(sd.certificates().at(0).signature_suite() == sign::Suite::gost2001);

  CHECK(a.verdict({}, in_2019) == "TOTAL-PASSED");
  CHECK(a.verdict({}, std::nullopt) == "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
  CHECK_THAT(a.last_message, Catch::Contains("2020-01-01"));
  sign::ValidationPolicy never;
  never.gost2001_until.reset();
  CHECK(a.verdict(never, in_2019) == "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE");

  SECTION("tampering is still caught") {
    std::string bytes = read(a.f("s.p7s"));
    const auto at = bytes.find("Contract 2019/17");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'K';
    write(a.f("t.p7s"), bytes);
    CHECK(a.verdict({}, in_2019, "t.p7s") == "TOTAL-FAILED/HASH_FAILURE");
  }
  SECTION("the public key xsign writes is OpenSSL's, byte for byte") {
    REQUIRE(openssl_gost("x509 -in " + q(a.f("c.pem")) + " -pubkey -noout -out " + q(a.f("pub.pem"))).exit_code == 0);
    CHECK(sign::PublicKey::load(a.f("pub.pem")).to_der() == sd.certificates().at(0).public_key().to_der());
  }
  SECTION("no new 2001 keys or signatures") {
    CHECK_THROWS_AS(sign::PrivateKey::generate(sign::Suite::gost2001), sign::UsageError);
    CHECK_THROWS_WITH(sign::PrivateKey::load(a.f("k.pem"), {}), Catch::Contains("2001"));
    const auto r = xsign("key gen --suite gost2001 --no-encrypt --out " + q(a.f("new.key")));
    CHECK(r.exit_code == 64);
    CHECK_FALSE(std::filesystem::exists(a.f("new.key")));
  }
  SECTION("the policy file sets the date, or never") {
    write(a.f("p.toml"), "gost2001_until = \"2019-06-15\"\n");
    CHECK(sign::ValidationPolicy::load(a.f("p.toml")).gost2001_until == sign::parse_time("2019-06-15"));
    write(a.f("p.toml"), "gost2001_until = \"never\"\n");
    CHECK_FALSE(sign::ValidationPolicy::load(a.f("p.toml")).gost2001_until.has_value());
    write(a.f("p.toml"), "gost2001_until = 2019\n");
    CHECK_THROWS_WITH(sign::ValidationPolicy::load(a.f("p.toml")), Catch::Contains("gost2001_until"));
  }
}

TEST_CASE("A trust directory with GOST-2001, unknown-algorithm and garbage entries still validates", "[trust][interop]") {
  HostilePki pki(Suite::gost256);
  Archive2001 old;
  TempDir dir;
  namespace fs = std::filesystem;
  fs::create_directories(dir.path() / "anchors");
  fs::create_directories(dir.path() / "certs");
  fs::create_directories(dir.path() / "crls");
  write(dir.file("anchors/real-root.pem"), pki.root.pem());
  fs::copy_file(old.f("c.pem"), dir.file("anchors/gost2001-root.pem"));
  REQUIRE(openssl_plain("req -x509 -newkey rsa:2048 -nodes -subj /CN=rsa-root -keyout /dev/null -out " +
                        q(dir.file("anchors/rsa-root.pem")))
              .exit_code == 0);
  write(dir.file("anchors/garbage.crt"), std::string(300, '\x07'));
  write(dir.file("anchors/broken.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  write(dir.file("certs/ca.pem"), pki.ca.pem());
  write(dir.file("certs/truncated.pem"), "-----BEGIN CERTIFICATE-----\nMIIBIjAN\n");
  write(dir.file("crls/garbage.crl"), "not a CRL");

  auto trust = sign::TrustStore::load(dir.path().string());
  CHECK(trust.anchors.size() == 2);  // the real root and the 2001 root
  const std::string warnings = [&] {
    std::string all;
    for (const auto& w : trust.warnings) all += w + "\n";
    return all;
  }();
  for (const std::string named : {"rsa-root.pem", "garbage.crt", "broken.pem", "truncated.pem", "garbage.crl"})
    CHECK_THAT(warnings, Catch::Contains(named));
  CHECK_THAT(warnings, Catch::Contains("1.2.840.113549.1.1.1"));  // says why the RSA root is skipped

  for (const auto& c : pki.crls) trust.crls.push_back({c, "test"});
  const auto report = pki.validate(pki.sign("invoice"), "invoice", {}, {}, &trust);
  CHECK(verdict_of(report.signatures.at(0)) == "TOTAL-PASSED");

  SECTION("the CLI names what it skipped and goes on") {
    const auto doc = dir.file("invoice.txt");
    write(doc, "invoice");
    const Bytes sig = pki.sign("invoice");
    write(dir.file("invoice.txt.p7s"), std::string(sig.begin(), sig.end()));
    write(dir.file("policy.toml"), "revocation = \"off\"\n");
    const auto r = xsign("verify --trust " + q(dir.path().string()) + " --policy " + q(dir.file("policy.toml")) + " --at " +
                         sign::format_time(pki.now) + " " + q(doc));
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("warning") && Catch::Contains("rsa-root.pem"));
  }
  SECTION("a store with nothing usable is an error that says why") {
    fs::remove(dir.file("anchors/real-root.pem"));
    fs::remove(dir.file("anchors/gost2001-root.pem"));
    CHECK_THROWS_WITH(sign::TrustStore::load(dir.path().string()), Catch::Contains("no usable"));
  }
}

TEST_CASE("A policy file with a non-ASCII character where TOML allows none is a format error naming it", "[policy]") {
  // toml++ 3.3.0 reaches a branch it marks unreachable for such characters (U+00A1-U+0499 where
  // whitespace may stand); the answer must still be a clear error, in every build.
  TempDir dir;
  for (const std::string& text : {std::string("\xd0\xbb" "de = 1\n"), std::string("revocation = \"off\"\n\xc2\xa9 = 2\n"),
                                 std::string("[x]\n\xd0\xb0\xd0\xb1 = 1\n")}) {
    const std::string path = dir.file("policy.toml");
    write(path, text);
    try {
      (void)sign::ValidationPolicy::load(path);
      FAIL("a policy with a bare non-ASCII key was accepted");
    } catch (const sign::FormatError& e) {
      CHECK_THAT(e.what(), Catch::Contains("policy.toml") && Catch::Contains("line"));
    }
  }
}
