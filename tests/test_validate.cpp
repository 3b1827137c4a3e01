// The trust and validate modules through `xsign verify`: both PKIs built with the CA
// commands, and one case per verdict a customs officer must get right.
#include <catch2/catch.hpp>

#include <sign/cms.hpp>
#include <sign/io.hpp>
#include <sign/validate.hpp>

#include "cms/cms_internal.hpp"
#include "xml/xml.hpp"
#include "pki_fixture.hpp"
#include "support.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

using testing::q;
using testing::xsign;

namespace {

namespace fs = std::filesystem;

// Both domains, a signed invoice from each country's trader, and a trust directory for each
// country's verifier: its own root, its cross-certificate for the other root, every CRL.
struct Verifiers : testing::TwoDomains {
  std::string doc = f("invoice.xml");

  Verifiers() {
    testing::write(doc, "<Invoice><ID>SH-MOW-2026-0042</ID><Amount>1440000</Amount></Invoice>\n");
    for (const std::string d : {"cn", "ru"}) {
      run_ok("sign " + q(doc) + " --key " + q(f(d + "-trader.key")) + " --cert " + q(f(d + "-trader.pem")) +
             " --chain " + q(f(d + "-issuing.pem")) + " --out " + q(f("invoice." + d + ".p7s")));
      trust_dir(d);
    }
  }

  void trust_dir(const std::string& d) {
    const fs::path t = f("trust-" + d);
    fs::create_directories(t / "anchors");
    fs::create_directories(t / "certs");
    fs::create_directories(t / "crls");
    fs::copy_file(f(d + "-root.pem"), t / "anchors" / "root.pem", fs::copy_options::overwrite_existing);
    fs::copy_file(f(d == "ru" ? "x-ru-cn.pem" : "x-cn-ru.pem"), t / "certs" / "cross.pem",
                  fs::copy_options::overwrite_existing);
    refresh_crls(d);
  }

  void refresh_crls(const std::string& d) {
    const fs::path t = f("trust-" + d) + "/crls";
    for (const char* crl : {"cn-root.crl", "cn-issuing.crl", "ru-root.crl", "ru-issuing.crl"})
      fs::copy_file(f(crl), t / crl, fs::copy_options::overwrite_existing);
  }

  testing::CommandResult verify(const std::string& verifier, const std::string& sig, const std::string& extra = "") {
    return xsign("verify " + q(doc) + " " + q(sig) + " --trust " + q(f("trust-" + verifier)) + " --json " + extra);
  }
};

// Indication and sub-indication of signature N in a --json report.
std::pair<std::string, std::string> verdict(const testing::CommandResult& r, int n = 0) {
  const auto at = [&](const std::string& key, std::size_t from) {
    const auto k = r.out.find("\"" + key + "\": ", from);
    if (k == std::string::npos) return std::string("?");
    const auto start = k + key.size() + 4;
    if (r.out.compare(start, 4, "null") == 0) return std::string("null");
    const auto end = r.out.find('"', start + 1);
    return r.out.substr(start + 1, end - start - 1);
  };
  std::size_t pos = r.out.find("\"signatures\"");
  for (int i = 0; i <= n; ++i) pos = r.out.find("\"index\"", pos + 1);
  return {at("indication", pos), at("sub_indication", pos)};
}

using V = std::pair<std::string, std::string>;

}  // namespace

TEST_CASE("Valid domestic signatures pass, trusting only one's own root", "[validate]") {
  Verifiers v;
  const auto ru = v.verify("ru", v.f("invoice.ru.p7s"));
  INFO(ru.out << ru.err);
  CHECK(ru.exit_code == 0);
  CHECK(verdict(ru) == V{"TOTAL-PASSED", "null"});
  CHECK_THAT(ru.out, Catch::Contains("\"INN\": \"770123456789\"") && Catch::Contains("\"OGRN\": \"1027700000001\"") &&
                         Catch::Contains("\"status\": \"good\"") && Catch::Contains("\"cross_border\": false"));
  const auto cn = v.verify("cn", v.f("invoice.cn.p7s"));
  CHECK(cn.exit_code == 0);
  CHECK_THAT(cn.out, Catch::Contains("\"USCC\": \"91310000MA1FL0XX1A\""));
  // Human output: the verdict on the first line.
  const auto text = xsign("verify " + q(v.doc) + " " + q(v.f("invoice.ru.p7s")) + " --trust " + q(v.f("trust-ru")));
  CHECK_THAT(text.out, Catch::StartsWith("VALID: TOTAL-PASSED"));
}

TEST_CASE("Cross-border signatures pass both ways through the cross-certificate", "[validate]") {
  Verifiers v;
  const auto moscow_checks_shanghai = v.verify("ru", v.f("invoice.cn.p7s"));
  INFO(moscow_checks_shanghai.out);
  CHECK(moscow_checks_shanghai.exit_code == 0);
  CHECK_THAT(moscow_checks_shanghai.out, Catch::Contains("\"cross_border\": true") &&
                                             Catch::Contains("\"role\": \"cross-certificate\""));
  const auto shanghai_checks_moscow = v.verify("cn", v.f("invoice.ru.p7s"));
  INFO(shanghai_checks_moscow.out);
  CHECK(shanghai_checks_moscow.exit_code == 0);

  SECTION("without the cross-certificate there is no path") {
    fs::remove(v.f("trust-ru") + "/certs/cross.pem");
    const auto r = v.verify("ru", v.f("invoice.cn.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"});
  }
  SECTION("a policy that does not recognize cross-border paths") {
    testing::write(v.f("trust-ru") + "/policy.toml", "allow_cross_border = false\n");
    const auto r = v.verify("ru", v.f("invoice.cn.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND"});
    CHECK(v.verify("ru", v.f("invoice.ru.p7s")).exit_code == 0);
  }
  SECTION("a cross-certificate whose name constraints exclude the signer") {
    v.run_ok("ca cross-certify " + q(v.f("cn-root.pem")) + " --dir " + q(v.f("ru-root")) + " --exclude /C=CN --force --out " +
             q(v.f("trust-ru") + "/certs/cross.pem"));
    v.run_ok("ca crl --dir " + q(v.f("ru-root")) + " --force --out " + q(v.f("ru-root.crl")));
    v.refresh_crls("ru");
    const auto r = v.verify("ru", v.f("invoice.cn.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE"});
    CHECK_THAT(r.out, Catch::Contains("excluded"));
  }
}

TEST_CASE("Tampering gives TOTAL-FAILED with the reason", "[validate]") {
  Verifiers v;
  SECTION("document tampered") {
    testing::write(v.doc, "<Invoice><ID>SH-MOW-2026-0042</ID><Amount>9440000</Amount></Invoice>\n");
    const auto r = v.verify("ru", v.f("invoice.ru.p7s"));
    CHECK(r.exit_code == 1);
    CHECK(verdict(r) == V{"TOTAL-FAILED", "HASH_FAILURE"});
  }
  SECTION("signed attributes tampered") {
    const auto sd = sign::SignedDataView::load(v.f("invoice.ru.p7s"));
    std::string file = testing::read(v.f("invoice.ru.p7s"));
    // Change one digit of the signing time inside the signed attributes.
    const auto* st = sd.signers()[0].signed_attr(sign::cms_detail::oid::signing_time);
    REQUIRE(st);
    const std::string time(st->values[0].begin(), st->values[0].end());
    const auto at = file.rfind(time);  // the certificates come first and may hold the same time
    REQUIRE(at != std::string::npos);
    file[at + 3] = file[at + 3] == '1' ? '2' : '1';
    testing::write(v.f("tampered.p7s"), file);
    const auto r = v.verify("ru", v.f("tampered.p7s"));
    CHECK(r.exit_code == 1);
    CHECK(verdict(r) == V{"TOTAL-FAILED", "SIG_CRYPTO_FAILURE"});
  }
  SECTION("signer certificate swapped for another trader's") {
    // Another Russian trader; the SignerInfo is made to name that certificate instead.
    v.run_ok("key gen --suite gost256 --no-encrypt --out " + q(v.f("other.key")));
    v.run_ok("csr --key " + q(v.f("other.key")) + " --subject /C=RU/O=Other/CN=Mallory --out " + q(v.f("other.csr")));
    v.run_ok("ca issue " + q(v.f("other.csr")) + " --dir " + q(v.f("ru-issuing")) + " --profile trader --out " +
             q(v.f("other.pem")));
    const auto other = sign::Certificate::load(v.f("other.pem"));
    const auto sd = sign::SignedDataView::load(v.f("invoice.ru.p7s"));
    const auto& si = sd.signers()[0];
    const auto old_sid = sign::cms_detail::sequence({si.sid_issuer->der(), sign::cms_detail::integer_der(si.sid_serial)});
    const auto new_sid = sign::cms_detail::sequence({other.issuer().der(), sign::cms_detail::integer_der(other.serial())});
    std::string der(si.der.begin(), si.der.end());
    const auto at = der.find(std::string(old_sid.begin(), old_sid.end()));
    REQUIRE(at != std::string::npos);
    der.replace(at, old_sid.size(), std::string(new_sid.begin(), new_sid.end()));
    sign::cms_detail::SignedDataParts p;
    p.digest_algorithms = sd.digest_algorithm_ders();
    p.econtent_type = sd.econtent_type();
    const auto issuing = sign::Certificate::load(v.f("ru-issuing.pem"));  // outlives the views in p
    p.certificates = {other.der(), issuing.der()};
    // Our CA's serials are all 20 bytes, so the SignerInfo keeps its length.
    REQUIRE(old_sid.size() == new_sid.size());
    p.signer_infos = {sign::Bytes(der.begin(), der.end())};
    sign::Bytes out;
    sign::cms_detail::write_signed_data(p, [&](sign::ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
    testing::write(v.f("swapped.p7s"), std::string(out.begin(), out.end()));
    const auto r = v.verify("ru", v.f("swapped.p7s"));
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(verdict(r) == V{"TOTAL-FAILED", "SIG_CRYPTO_FAILURE"});
  }
  SECTION("a garbage .p7s") {
    testing::write(v.f("garbage.p7s"), "this is not a CMS structure\n");
    const auto r = v.verify("ru", v.f("garbage.p7s"));
    CHECK(r.exit_code == 1);
    CHECK(verdict(r) == V{"TOTAL-FAILED", "FORMAT_FAILURE"});
  }
}

TEST_CASE("Certificate status and constraints give the right verdict", "[validate]") {
  Verifiers v;
  SECTION("signer expired: no proof of existence while valid") {
    const auto r = v.verify("ru", v.f("invoice.ru.p7s"), "--at 2029-06-01");
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"});
  }
  SECTION("not yet valid") {
    const auto r = v.verify("ru", v.f("invoice.ru.p7s"), "--at 2020-01-01");
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "NOT_YET_VALID"});
  }
  SECTION("revoked by CRL") {
    const auto trader = sign::Certificate::load(v.f("ru-trader.pem"));
    v.run_ok("ca revoke " + trader.serial_hex() + " --dir " + q(v.f("ru-issuing")) + " --reason keyCompromise");
    v.crls("ru");
    v.refresh_crls("ru");
    const auto r = v.verify("ru", v.f("invoice.ru.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "REVOKED_NO_POE"});
    CHECK_THAT(r.out, Catch::Contains("\"status\": \"revoked\"") && Catch::Contains("keyCompromise"));
  }
  SECTION("no revocation information is INDETERMINATE, not valid") {
    for (const auto& e : fs::directory_iterator(v.f("trust-ru") + "/crls")) fs::remove(e.path());
    const auto r = v.verify("ru", v.f("invoice.ru.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "TRY_LATER"});
    testing::write(v.f("trust-ru") + "/policy.toml", "revocation = \"if-available\"\n");
    const auto soft = v.verify("ru", v.f("invoice.ru.p7s"));
    CHECK(soft.exit_code == 0);
    CHECK_THAT(soft.out, Catch::Contains("revocation not checked"));
  }
  SECTION("end-entity certificate without the signing key usage") {
    testing::write(v.f("ru-issuing") + "/profile.toml",
                   testing::read(v.f("ru-issuing") + "/profile.toml") +
                       "\n[profiles.encryption]\nkey_usage = [\"keyEncipherment\"]\nextended_key_usage = [\"emailProtection\"]\n");
    v.run_ok("ca issue " + q(v.f("ru-trader.csr")) + " --dir " + q(v.f("ru-issuing")) + " --profile encryption --out " +
             q(v.f("enc.pem")));
    v.run_ok("sign " + q(v.doc) + " --key " + q(v.f("ru-trader.key")) + " --cert " + q(v.f("enc.pem")) + " --out " +
             q(v.f("enc.p7s")));
    v.crls("ru");
    v.refresh_crls("ru");
    const auto r = v.verify("ru", v.f("enc.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE"});
    CHECK_THAT(r.out, Catch::Contains("keyUsage"));
  }
  SECTION("an intermediate with CA:false") {
    // The trader's certificate (CA:false) "issues" a certificate and its key signs.
    const auto trader_key = sign::PrivateKey::load(v.f("ru-trader.key"), nullptr);
    const auto trader = sign::Certificate::load(v.f("ru-trader.pem"));
    const auto key = sign::PrivateKey::generate(sign::Suite::gost256);
    testing::write(v.f("sub.key"), key.to_pem());
    sign::CertificateTemplate t;
    t.subject = sign::DistinguishedName::parse("/C=RU/O=OOO Volga Stanki/CN=Sub-signer");
    t.public_key = key.public_key();
    t.not_before = sign::now() - std::chrono::hours(1);
    t.not_after = t.not_before + std::chrono::hours(100);
    t.key_usage = sign::kDigitalSignature;
    testing::write(v.f("sub.pem"), sign::issue_certificate(t, trader.subject(), trader.subject_key_id(), trader_key).pem());
    testing::write(v.f("subchain.pem"), testing::read(v.f("ru-trader.pem")) + testing::read(v.f("ru-issuing.pem")));
    v.run_ok("sign " + q(v.doc) + " --key " + q(v.f("sub.key")) + " --cert " + q(v.f("sub.pem")) + " --chain " +
             q(v.f("subchain.pem")) + " --out " + q(v.f("sub.p7s")));
    const auto r = v.verify("ru", v.f("sub.p7s"));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE"});
    CHECK_THAT(r.out, Catch::Contains("not a CA"));
  }
  SECTION("an algorithm the policy does not accept") {
    testing::write(v.f("policy.toml"), "accepted_suites = [\"sm2\", \"gost512\"]\n");
    const auto r = v.verify("ru", v.f("invoice.ru.p7s"), "--policy " + q(v.f("policy.toml")));
    CHECK(r.exit_code == 2);
    CHECK(verdict(r) == V{"INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"});
  }
}

TEST_CASE("A document with two signers gets a verdict for each and the worst overall", "[validate]") {
  Verifiers v;
  std::filesystem::copy_file(v.f("invoice.cn.p7s"), v.f("both.p7s"));
  v.run_ok("cosign " + q(v.f("both.p7s")) + " --content " + q(v.doc) + " --key " + q(v.f("ru-trader.key")) +
           " --cert " + q(v.f("ru-trader.pem")) + " --chain " + q(v.f("ru-issuing.pem")));
  const auto ok = v.verify("ru", v.f("both.p7s"));
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(verdict(ok, 0).first == "TOTAL-PASSED");
  CHECK(verdict(ok, 1).first == "TOTAL-PASSED");
  // Revoking the Chinese signer makes only its verdict change, and the overall one with it.
  const auto trader = sign::Certificate::load(v.f("cn-trader.pem"));
  v.run_ok("ca revoke " + trader.serial_hex() + " --dir " + q(v.f("cn-issuing")));
  v.crls("cn");
  v.refresh_crls("ru");
  const auto r = v.verify("ru", v.f("both.p7s"));
  CHECK(r.exit_code == 2);
  CHECK(verdict(r, 0) == V{"INDETERMINATE", "REVOKED_NO_POE"});
  CHECK(verdict(r, 1).first == "TOTAL-PASSED");
}

TEST_CASE("verify explains missing inputs with usage errors", "[validate][cli]") {
  Verifiers v;
  const auto no_trust = testing::run("HOME=" + q(v.f("nohome")) + " XSIGN_TRUST= " + q(XSIGN_BIN) + " verify " + q(v.doc) +
                                     " " + q(v.f("invoice.ru.p7s")));
  CHECK(no_trust.exit_code == 64);
  CHECK_THAT(no_trust.err, Catch::Contains("--trust"));
  CHECK(xsign("verify " + q(v.f("missing.xml")) + " --trust " + q(v.f("trust-ru"))).exit_code == 66);
  testing::write(v.f("bad-policy.toml"), "revocation = \"sometimes\"\n");
  const auto bad = v.verify("ru", v.f("invoice.ru.p7s"), "--policy " + q(v.f("bad-policy.toml")));
  CHECK(bad.exit_code == 65);
  CHECK_THAT(bad.err, Catch::Contains("bad-policy.toml") && Catch::Contains("revocation"));
}

TEST_CASE("verify-batch gives one verdict per file and the worst exit code", "[validate][cli]") {
  Verifiers v;
  // Two good signatures of the same document from both countries, and a garbage one.
  testing::write(v.f("junk.xml"), "x");
  testing::write(v.f("junk.xml.p7s"), "not a signature");
  const std::string files = q(v.f("invoice.ru.p7s")) + " " + q(v.f("invoice.cn.p7s")) + " " + q(v.f("junk.xml.p7s"));
  // The documents are not beside the .p7s under those names: give them by copying.
  std::filesystem::copy_file(v.doc, v.f("invoice.ru"));
  std::filesystem::copy_file(v.doc, v.f("invoice.cn"));
  const auto r = xsign("verify-batch " + files + " --trust " + q(v.f("trust-ru")) + " --jobs 2");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("TOTAL-PASSED  " + v.f("invoice.ru.p7s")) &&
                        Catch::Contains("TOTAL-PASSED  " + v.f("invoice.cn.p7s")) &&
                        Catch::Contains("TOTAL-FAILED  " + v.f("junk.xml.p7s")) && Catch::Contains("FORMAT_FAILURE"));
  const auto good = xsign("verify-batch " + q(v.f("invoice.ru.p7s")) + " " + q(v.f("invoice.cn.p7s")) + " --trust " +
                          q(v.f("trust-ru")) + " --json");
  INFO(good.err);
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.out, Catch::StartsWith("[") && Catch::Contains("\"indication\": \"TOTAL-PASSED\""));
  // The tally, a file named twice verified once, and JSON Lines.
  CHECK_THAT(r.err, Catch::Contains("3 file(s) checked") && Catch::Contains("2 valid, 1 invalid"));
  const auto twice = xsign("verify-batch " + q(v.f("invoice.ru.p7s")) + " " + q(v.f("invoice.ru.p7s")) + " --trust " +
                           q(v.f("trust-ru")) + " --json-lines");
  CHECK(twice.exit_code == 0);
  CHECK(std::count(twice.out.begin(), twice.out.end(), '\n') == 1);
  CHECK_THAT(twice.out, Catch::StartsWith("{\"") && Catch::Contains("\"indication\":\"TOTAL-PASSED\""));
  CHECK_THAT(twice.err, Catch::Contains("1 file(s) checked"));
}

TEST_CASE("verify --report-html writes one self-contained page: the verdict first, in each language, never over a file",
          "[validate][report]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice><No>SH-MOW-2026-0042</No></Invoice>\n");
  d.run_ok("sign " + q(doc) + " --key " + q(d.f("cn-trader.key")) + " --cert " + q(d.f("cn-trader.pem")) + " --chain " +
           q(d.f("cn-issuing.pem")));
  // A Russian verifier: the Chinese signer through the cross-certificate, with every CRL.
  const std::string trust = " --trust " + q(d.f("ru-root.pem")) + " --untrusted " + q(d.f("x-ru-cn.pem")) + " --crl " +
                            q(d.f("cn-root.crl")) + " --crl " + q(d.f("cn-issuing.crl")) + " --crl " + q(d.f("ru-root.crl")) +
                            " --offline";
  struct Lang {
    std::string tag, verdict, heading;
  };
  for (const Lang& l : {Lang{"en", "VALID", "Trust path across the border"}, Lang{"ru", "ДЕЙСТВИТЕЛЬНА", "Путь доверия через границу"},
                        Lang{"zh", "有效", "跨境信任路径"}}) {
    INFO(l.tag);
    const std::string page = d.f("report-" + l.tag + ".html");
    const auto r = xsign("verify " + q(doc) + trust + " --lang " + l.tag + " --report-html " + q(page));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string html = testing::read(page);
    // Well-formed (XHTML), and the verdict comes before anything else in the body.
    CHECK(testing::run("xmllint --noout " + q(page)).exit_code == 0);
    CHECK_THAT(html, Catch::Contains("<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"" + l.tag + "\">") &&
                         Catch::Contains("<header class=\"verdict passed\" id=\"verdict\">\n<h1>" + l.verdict + "</h1>") &&
                         Catch::Contains(l.heading) && Catch::Contains("class=\"border\"") && Catch::Contains("CN → RU") &&
                         Catch::Contains("91310000MA1FL0XX1A"));
    CHECK(html.find("<header") < html.find("<section"));
    // Self-contained: no script, nothing a browser would fetch.
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
  }
  // An existing page is not replaced without --force, and the verdict's exit code is unchanged.
  const auto again = xsign("verify " + q(doc) + trust + " --report-html " + q(d.f("report-en.html")));
  CHECK(again.exit_code == 64);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(xsign("verify " + q(doc) + trust + " --report-html " + q(d.f("report-en.html")) + " --force").exit_code == 0);
  // Changed document: INVALID page, exit 1.
  testing::write(doc, "<Invoice><No>SH-MOW-2026-0043</No></Invoice>\n");
  const auto failed = xsign("verify " + q(doc) + trust + " --report-html " + q(d.f("failed.html")));
  CHECK(failed.exit_code == 1);
  CHECK_THAT(testing::read(d.f("failed.html")), Catch::Contains("verdict failed") && Catch::Contains("HASH_FAILURE"));
}

TEST_CASE("Names from a hostile certificate are escaped in the report page, never markup", "[validate][report][attacks]") {
  testing::TempDir dir;
  // openssl's -subj takes '/' inside a value as "\/".
  const std::string subject = "/C=CN/O=\"><img src=x onerror=alert(1)>/CN=<script>alert(2)<\\/script>";
  REQUIRE(testing::openssl_plain("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q(dir.file("k.pem")) +
                                 " -out " + q(dir.file("c.pem")) + " -subj '" + subject + "' -days 30")
              .exit_code == 0);
  testing::write(dir.file("doc.txt"), "hello\n");
  REQUIRE(xsign("sign " + q(dir.file("doc.txt")) + " --key " + q(dir.file("k.pem")) + " --cert " + q(dir.file("c.pem"))).exit_code == 0);
  const auto r = xsign("verify " + q(dir.file("doc.txt")) + " --trust " + q(dir.file("c.pem")) + " --offline --report-html " +
                       q(dir.file("page.html")));
  INFO(r.out << r.err);
  const std::string html = testing::read(dir.file("page.html"));
  CHECK(testing::run("xmllint --noout " + q(dir.file("page.html"))).exit_code == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK_THAT(html, Catch::Contains("&lt;script&gt;alert(2)&lt;/script&gt;") && Catch::Contains("&quot;&gt;&lt;img src=x"));
}

namespace {

// The element order of TS 119 102-2's SignatureValidationReportType (v1.2.1) and of
// ValidationReportType, as the standard's schema defines them (the XSD itself is not shipped).
const std::vector<std::string> kSignatureReportOrder = {
    "SignatureIdentifier", "ValidationConstraintsEvaluationReport", "ValidationTimeInfo", "SignersDocument",
    "SignatureAttributes", "SignerInformation", "SignatureQuality", "SignatureValidationProcess",
    "SignatureValidationStatus"};
const std::vector<std::string> kReportOrder = {"SignatureValidationReport", "SignatureValidationObjects",
                                               "SignatureValidator", "Signature"};
constexpr std::string_view kVr = "http://uri.etsi.org/19102/v1.2.1#";

// Children appear in the schema's order (each name at its place, repeats only where allowed).
bool in_order(const std::vector<sign::xml::Node*>& children, const std::vector<std::string>& order) {
  std::size_t at = 0;
  for (const auto* c : children) {
    const auto it = std::find(order.begin() + static_cast<std::ptrdiff_t>(at), order.end(), sign::xml::local_name(c));
    if (it == order.end()) return false;
    at = static_cast<std::size_t>(it - order.begin());
  }
  return true;
}

std::string child_text(const sign::xml::Node* n, const std::string& local) {
  const auto c = sign::xml::children(n, kVr, local);
  return c.empty() ? std::string() : sign::xml::text(c.front());
}

}  // namespace

TEST_CASE("verify --report-xml writes a TS 119 102-2 validation report with the standard's structure, signed on request",
          "[validate][report]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice><No>SH-MOW-2026-0042</No></Invoice>\n");
  d.run_ok("sign " + q(doc) + " --commitment origin --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem")) +
           " --chain " + q(d.f("ru-issuing.pem")));
  const std::string trust = " --trust " + q(d.f("ru-root.pem")) + " --crl " + q(d.f("ru-root.crl")) + " --crl " +
                            q(d.f("ru-issuing.crl")) + " --offline";
  const auto r = xsign("verify " + q(doc) + trust + " --report-xml " + q(d.f("report.xml")));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto xml = sign::read_file(d.f("report.xml"));
  const auto parsed = sign::xml::Document::parse(xml, "report.xml");
  const auto* root = parsed.root();
  REQUIRE(sign::xml::is_element(root, kVr, "ValidationReport"));
  CHECK(in_order(sign::xml::child_elements(root), kReportOrder));
  const auto reports = sign::xml::children(root, kVr, "SignatureValidationReport");
  REQUIRE(reports.size() == 1);
  const auto* svr = reports[0];
  CHECK(in_order(sign::xml::child_elements(svr), kSignatureReportOrder));
  // Required parts: SignatureIdentifier (HashOnly, DocHashOnly), ValidationTimeInfo (ValidationTime,
  // BestSignatureTime with POETime and TypeOfProof), SignatureValidationStatus (MainIndication).
  const auto* ident = sign::xml::only_child(svr, kVr, "SignatureIdentifier");
  REQUIRE(ident);
  CHECK(child_text(ident, "HashOnly") == "false");
  CHECK(child_text(ident, "DocHashOnly") == "false");
  const auto* time = sign::xml::only_child(svr, kVr, "ValidationTimeInfo");
  REQUIRE(time);
  CHECK(sign::parse_time(child_text(time, "ValidationTime")) > sign::TimePoint{});
  const auto* best = sign::xml::only_child(time, kVr, "BestSignatureTime");
  REQUIRE(best);
  CHECK_FALSE(child_text(best, "POETime").empty());
  CHECK_THAT(child_text(best, "TypeOfProof"), Catch::StartsWith("urn:etsi:019102:poetype:"));
  const auto* status = sign::xml::only_child(svr, kVr, "SignatureValidationStatus");
  REQUIRE(status);
  CHECK(child_text(status, "MainIndication") == "urn:etsi:019102:mainindication:total-passed");
  const auto* attrs = sign::xml::only_child(svr, kVr, "SignatureAttributes");
  REQUIRE(attrs);
  CHECK(child_text(sign::xml::only_child(attrs, kVr, "CommitmentTypeIndication"), "CommitmentTypeIdentifier") ==
        "http://uri.etsi.org/01903/v1.2.2#ProofOfOrigin");
  CHECK_THAT(child_text(sign::xml::only_child(svr, kVr, "SignerInformation"), "Signer"), Catch::Contains("CN=Ivan Petrov"));
  // Every VOReference names a validation object of the report (IDREF integrity).
  std::set<std::string> ids;
  for (const auto* o : sign::xml::descendants(root, kVr, "ValidationObject")) ids.insert(sign::xml::attribute(o, "id").value_or(""));
  CHECK(ids.size() == 3);  // signer, issuing CA, root
  std::size_t refs = 0;
  for (const std::string name : {"SignerCertificate", "SigningCertificate", "IntermediateCertificate", "TrustAnchor"})
    for (const auto* e : sign::xml::descendants(root, kVr, name)) {
      ++refs;
      CHECK(ids.count(sign::xml::attribute(e, "VOReference").value_or("?")) == 1);
    }
  CHECK(refs == 4);

  // Signed by the verifier on request: XAdES enveloped, last child of the report, verifiable.
  d.run_ok("verify " + q(doc) + trust + " --report-xml " + q(d.f("signed.xml")) + " --report-key " + q(d.f("ru-trader.key")) +
           " --report-cert " + q(d.f("ru-trader.pem")));
  const auto signed_xml = sign::read_file(d.f("signed.xml"));
  const auto checks = sign::check_xml_signatures(signed_xml, "signed.xml", std::nullopt);
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].check.ok());
  const auto signed_doc = sign::xml::Document::parse(signed_xml, "signed.xml");
  CHECK(in_order(sign::xml::child_elements(signed_doc.root()), kReportOrder));
  CHECK(sign::xml::local_name(sign::xml::child_elements(signed_doc.root()).back()) == "Signature");

  // A changed document: total-failed with the HASH_FAILURE sub-indication.
  testing::write(doc, "<Invoice><No>SH-MOW-2026-0043</No></Invoice>\n");
  CHECK(xsign("verify " + q(doc) + trust + " --report-xml " + q(d.f("failed.xml"))).exit_code == 1);
  const std::string failed = testing::read(d.f("failed.xml"));
  CHECK_THAT(failed, Catch::Contains("urn:etsi:019102:mainindication:total-failed") &&
                         Catch::Contains("<vr:SubIndication>urn:etsi:019102:subindication:HASH_FAILURE</vr:SubIndication>"));
}
