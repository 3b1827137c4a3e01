// The cross-border channel: signed trust lists, TTP receipts, POST /validate, and the demo.
#include <catch2/catch.hpp>

#include <sign/channel.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <botan/base64.h>
#include <httplib.h>

#include <filesystem>

using testing::q;
using testing::xsign;

namespace {

namespace fs = std::filesystem;

// Both domains; the Chinese verifier's trust store holds a trust list that recognizes the
// Russian root, signed by the Chinese root.
struct ListedDomains : testing::TwoDomains {
  std::string doc = f("invoice.xml");

  ListedDomains() {
    testing::write(doc, "<Invoice><ID>SH-MOW-7</ID></Invoice>\n");
    run_ok("sign " + q(doc) + " --key " + q(f("ru-trader.key")) + " --cert " + q(f("ru-trader.pem")) + " --chain " +
           q(f("ru-issuing.pem")) + " --out " + q(f("invoice.ru.p7s")));
    run_ok("trustlist create --operator 'Shanghai Trusted Trade CA' --territory CN --contact mailto:tl@sttca.example.cn "
           "--service " + q(f("ru-root.pem")) + " --out " + q(f("list.unsigned.xml")));
    run_ok("trustlist sign " + q(f("list.unsigned.xml")) + " --key " + q(f("cn-root/ca.key")) + " --cert " +
           q(f("cn-root.pem")) + " --out " + q(f("list.xml")));
    for (const char* d : {"trust-cn/anchors", "trust-cn/lists", "trust-cn/crls"}) fs::create_directories(f(d));
    fs::copy_file(f("cn-root.pem"), f("trust-cn/anchors/root.pem"));
    fs::copy_file(f("list.xml"), f("trust-cn/lists/list.xml"));
    for (const char* crl : {"ru-root.crl", "ru-issuing.crl"}) fs::copy_file(f(crl), f(std::string("trust-cn/crls/") + crl));
  }

  testing::CommandResult verify_cn(const std::string& extra = "") {
    return xsign("verify " + q(doc) + " " + q(f("invoice.ru.p7s")) + " --trust " + q(f("trust-cn")) + " --json " + extra);
  }
};

}  // namespace

TEST_CASE("A trust list lets a Chinese verifier accept a Russian signature, and says which list vouched",
          "[channel]") {
  ListedDomains d;
  const auto ok = d.verify_cn();
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("\"vouched_by\": \"trust list #1 of Shanghai Trusted Trade CA") &&
                         Catch::Contains("trust anchor (from trust list)"));
  CHECK(xsign("trustlist verify " + q(d.f("list.xml")) + " --trust " + q(d.f("trust-cn"))).exit_code == 0);
  const auto show = xsign("trustlist show " + q(d.f("list.xml")));
  CHECK_THAT(show.out, Catch::Contains("Moscow Trusted Trade Root CA") && Catch::Contains("granted since"));

  SECTION("without the list, no path") {
    fs::remove(d.f("trust-cn/lists/list.xml"));
    const auto r = d.verify_cn();
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("NO_CERTIFICATE_CHAIN_FOUND"));
  }
  SECTION("a tampered list is rejected with a clear reason") {
    std::string bytes = testing::read(d.f("list.xml"));
    const auto at = bytes.find("Moscow Trusted Trade Root CA");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'N';
    testing::write(d.f("trust-cn/lists/list.xml"), bytes);
    const auto r = xsign("trustlist verify " + q(d.f("trust-cn/lists/list.xml")) + " --trust " + q(d.f("trust-cn")));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("REJECTED") && Catch::Contains("altered"));
    const auto v = d.verify_cn();
    CHECK(v.exit_code == 2);
    CHECK_THAT(v.out, Catch::Contains("ignored"));
  }
  SECTION("a list signed by the wrong authority is rejected") {
    d.run_ok("trustlist sign " + q(d.f("list.unsigned.xml")) + " --key " + q(d.f("ru-root/ca.key")) + " --cert " +
             q(d.f("ru-root.pem")) + " --force --out " + q(d.f("trust-cn/lists/list.xml")));
    const auto r = xsign("trustlist verify " + q(d.f("trust-cn/lists/list.xml")) + " --trust " + q(d.f("trust-cn")));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("not by an authority of your own trust store"));
    CHECK(d.verify_cn().exit_code == 2);
  }
  SECTION("an expired list is rejected") {
    const auto r = xsign("trustlist verify " + q(d.f("list.xml")) + " --trust " + q(d.f("trust-cn")) + " --at " +
                         sign::format_time(sign::now() + std::chrono::hours(24 * 60)));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("expired"));
  }
}

TEST_CASE("Withdrawn recognition breaks signatures proven only after it, not those proven before", "[channel]") {
  ListedDomains d;
  const auto now = sign::now();
  const auto root = sign::Certificate::load(d.f("ru-root.pem"));
  sign::TrustList list;
  list.operator_name = "Shanghai Trusted Trade CA";
  list.contact = "mailto:tl@sttca.example.cn";
  list.territory = "CN";
  list.issued = now - std::chrono::hours(1);
  list.next_update = now + std::chrono::hours(24);
  list.services.push_back({"Moscow root", "RU", "CA", root,
                           {{"granted", root.not_before()}, {"withdrawn", now + std::chrono::hours(2)}},
                           {}});
  sign::SignerSpec authority{sign::PrivateKey::load(d.f("cn-root/ca.key"), nullptr), sign::Certificate::load(d.f("cn-root.pem")),
                             {}, {}, sign::Commitment::none, now};
  const auto signed_list = sign::sign_trust_list(list, authority);
  sign::write_file_atomic(d.f("trust-cn/lists/list.xml"), signed_list, sign::FileMode::public_0644);
  // Now: still granted.
  CHECK(d.verify_cn().exit_code == 0);
  // Three hours from now (after the withdrawal), with no time-stamp proving earlier existence.
  const auto later = d.verify_cn("--at " + sign::format_time(now + std::chrono::hours(3)));
  CHECK(later.exit_code == 2);
  CHECK_THAT(later.out, Catch::Contains("NO_CERTIFICATE_CHAIN_FOUND"));
  const auto status = list.services[0].status_at(now + std::chrono::hours(1));
  REQUIRE(status);
  CHECK(*status == "granted");
  CHECK(*list.services[0].status_at(now + std::chrono::hours(3)) == "withdrawn");
}

TEST_CASE("A TTP receipt is accepted for its document and rejected for another", "[channel]") {
  ListedDomains d;
  // The Chinese TTP validates with the trust list and signs receipts with an SM2 certificate.
  d.run_ok("key gen --suite sm2 --no-encrypt --out " + q(d.f("ttp.key")));
  d.run_ok("csr --key " + q(d.f("ttp.key")) + " --subject '/C=CN/O=Channel TTP/CN=Shanghai TTP' --out " + q(d.f("ttp.csr")));
  d.run_ok("ca issue " + q(d.f("ttp.csr")) + " --dir " + q(d.f("cn-issuing")) + " --profile trader --out " + q(d.f("ttp.pem")));
  d.run_ok("channel receipt " + q(d.doc) + " " + q(d.f("invoice.ru.p7s")) + " --trust " + q(d.f("trust-cn")) + " --key " +
           q(d.f("ttp.key")) + " --cert " + q(d.f("ttp.pem")) + " --chain " + q(d.f("cn-issuing.pem")) + " --out " +
           q(d.f("receipt.p7s")));
  // A Chinese verifier without the trust list relies on the receipt.
  fs::remove(d.f("trust-cn/lists/list.xml"));
  const auto with = d.verify_cn("--receipt " + q(d.f("receipt.p7s")));
  INFO(with.out);
  CHECK(with.exit_code == 0);
  CHECK_THAT(with.out, Catch::Contains("accepted on the receipt of a trusted third party") &&
                           Catch::Contains("\"receipt\": \"receipt of C=CN, O=Channel TTP"));

  // The receipt is a CMS signature in the TTP's suite: its signer is SM2.
  const auto sd = sign::SignedDataView::load(d.f("receipt.p7s"));
  CHECK(sd.find_signer_certificate(sd.signers()[0])->public_key().suite() == sign::Suite::sm2);

  SECTION("for another document") {
    testing::write(d.f("other.xml"), "<Invoice><ID>SH-MOW-8</ID></Invoice>\n");
    const auto check = sign::verify_receipt(sign::read_file(d.f("receipt.p7s")), sign::Content::file(d.f("other.xml")),
                                            sign::read_file(d.f("invoice.ru.p7s")), {sign::Certificate::load(d.f("cn-root.pem"))},
                                            {}, sign::now());
    CHECK_FALSE(check.ok);
    CHECK_THAT(check.message, Catch::Contains("another document"));
  }
  SECTION("from a TTP the verifier does not trust") {
    const auto check = sign::verify_receipt(sign::read_file(d.f("receipt.p7s")), sign::Content::file(d.doc),
                                            sign::read_file(d.f("invoice.ru.p7s")), {sign::Certificate::load(d.f("ru-root.pem"))},
                                            {}, sign::now());
    CHECK_FALSE(check.ok);
    CHECK_THAT(check.message, Catch::Contains("do not trust"));
  }
}

namespace {

// BouncyCastle's org.bouncycastle.dvcs (tests/interop/DvcsInterop.java): an implementation of
// RFC 3029 independent of xsign.
testing::CommandResult bouncycastle_dvcs(const std::string& args) {
  return testing::run("java -cp /usr/share/java/bcprov.jar:/usr/share/java/bcpkix.jar:/usr/share/java/bcutil.jar " XSIGN_SOURCE_DIR
                      "/tests/interop/DvcsInterop.java " + args + " 2>&1");
}

// A TTP certificate of either domain.
void make_ttp(testing::TwoDomains& d, const std::string& domain) {
  const std::string suite = domain == "cn" ? "sm2" : "gost256";
  const std::string subject = domain == "cn" ? "/C=CN/O=Channel TTP/CN=Shanghai TTP" : "/C=RU/O=Channel TTP/CN=Moscow TTP";
  d.run_ok("key gen --suite " + suite + " --no-encrypt --out " + q(d.f(domain + "-ttp.key")));
  d.run_ok("csr --key " + q(d.f(domain + "-ttp.key")) + " --subject '" + subject + "' --out " + q(d.f(domain + "-ttp.csr")));
  d.run_ok("ca issue " + q(d.f(domain + "-ttp.csr")) + " --dir " + q(d.f(domain + "-issuing")) + " --profile trader --out " +
           q(d.f(domain + "-ttp.pem")));
}

std::string ttp_signer(testing::TwoDomains& d, const std::string& domain) {
  return " --key " + q(d.f(domain + "-ttp.key")) + " --cert " + q(d.f(domain + "-ttp.pem")) + " --chain " +
         q(d.f(domain + "-issuing.pem"));
}

}  // namespace

TEST_CASE("DVCS: xsign's vsd receipts are read and their SM2 and GOST signatures verified by BouncyCastle, and accepted by verify",
          "[channel][dvcs][interop]") {
  ListedDomains d;
  make_ttp(d, "cn");
  make_ttp(d, "ru");
  // The Chinese TTP (SM2) answers for the detached Russian signature, offline.
  d.run_ok("channel receipt " + q(d.doc) + " " + q(d.f("invoice.ru.p7s")) + " --trust " + q(d.f("trust-cn")) +
           ttp_signer(d, "cn") + " --out " + q(d.f("cn.dvcs")));
  const auto bc = bouncycastle_dvcs("response " + q(d.f("cn.dvcs")));
  INFO(bc.out);
  REQUIRE(bc.exit_code == 0);
  // messageImprint: the SM3 of the signature file, as openssl computes it.
  const auto sm3 = testing::openssl_plain("dgst -sm3 -r " + q(d.f("invoice.ru.p7s")));
  REQUIRE(sm3.exit_code == 0);
  CHECK_THAT(bc.out, Catch::Contains("service=2\n") && Catch::Contains("status=0\n") &&
                         Catch::Contains("status text=TOTAL-PASSED") && Catch::Contains("imprint algorithm=1.2.156.10197.1.401") &&
                         Catch::Contains("imprint=" + sm3.out.substr(0, 64)) &&
                         Catch::Contains("extension=1.3.6.1.4.1.61423.3.2") && Catch::Contains("signature=valid by C=CN,O=Channel TTP"));

  // A Chinese verifier without the trust list relies on the DVCS receipt.
  fs::remove(d.f("trust-cn/lists/list.xml"));
  const auto without = d.verify_cn();
  CHECK(without.exit_code == 2);
  const auto with = d.verify_cn("--receipt " + q(d.f("cn.dvcs")));
  INFO(with.out);
  CHECK(with.exit_code == 0);
  CHECK_THAT(with.out, Catch::Contains("accepted on the receipt of a trusted third party") && Catch::Contains("(RFC 3029 DVCS)"));

  // The Russian TTP (GOST) answers a request made by `channel request`; BouncyCastle checks the GOST signature.
  d.run_ok("channel request " + q(d.f("invoice.ru.p7s")) + " " + q(d.doc) + " --out " + q(d.f("req.dvcs")));
  d.run_ok("channel answer " + q(d.f("req.dvcs")) + " --trust " + q(d.f("ru-root.pem")) + " --crl " + q(d.f("ru-root.crl")) +
           " --crl " + q(d.f("ru-issuing.crl")) + " --offline" + ttp_signer(d, "ru") + " --out " + q(d.f("ru.dvcs")));
  const auto gost = bouncycastle_dvcs("response " + q(d.f("ru.dvcs")));
  INFO(gost.out);
  CHECK_THAT(gost.out, Catch::Contains("status=0\n") && Catch::Contains("imprint algorithm=1.2.643.7.1.1.2.2") &&
                           Catch::Contains("signature=valid by C=RU,O=Channel TTP"));

  SECTION("a receipt for another document, another signature file, or with a changed byte is refused") {
    const std::vector<sign::Certificate> cn_anchor{sign::Certificate::load(d.f("cn-root.pem"))};
    testing::write(d.f("other.xml"), "<Invoice><ID>SH-MOW-8</ID></Invoice>\n");
    auto check = sign::verify_receipt(sign::read_file(d.f("cn.dvcs")), sign::Content::file(d.f("other.xml")),
                                      sign::read_file(d.f("invoice.ru.p7s")), cn_anchor, {}, sign::now());
    CHECK_FALSE(check.ok);
    CHECK_THAT(check.message, Catch::Contains("another document"));
    d.run_ok("sign " + q(d.doc) + " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem")) + " --out " +
             q(d.f("again.p7s")));
    check = sign::verify_receipt(sign::read_file(d.f("cn.dvcs")), sign::Content::file(d.doc), sign::read_file(d.f("again.p7s")),
                                 cn_anchor, {}, sign::now());
    CHECK_FALSE(check.ok);
    CHECK_THAT(check.message, Catch::Contains("another signature file"));
    auto bytes = sign::read_file(d.f("cn.dvcs"));
    const std::string text(bytes.begin(), bytes.end());
    const auto at = text.find("TOTAL-PASSED");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'X';
    check = sign::verify_receipt(bytes, sign::Content::file(d.doc), sign::read_file(d.f("invoice.ru.p7s")), cn_anchor, {},
                                 sign::now());
    CHECK_FALSE(check.ok);
  }
  SECTION("the JSON receipt of xsign 0.1 is still made on request and read") {
    d.run_ok("channel receipt " + q(d.doc) + " " + q(d.f("invoice.ru.p7s")) + " --format json --trust " + q(d.f("trust-cn")) +
             ttp_signer(d, "cn") + " --out " + q(d.f("old.p7s")));
    const auto old = sign::read_file(d.f("old.p7s"));
    CHECK_FALSE(sign::is_dvcs_response(old));
    CHECK(sign::is_dvcs_response(sign::read_file(d.f("cn.dvcs"))));
    const auto check = sign::verify_receipt(old, sign::Content::file(d.doc), sign::read_file(d.f("invoice.ru.p7s")),
                                            {sign::Certificate::load(d.f("cn-root.pem"))}, {}, sign::now());
    INFO(check.message);
    CHECK(check.ok);
    CHECK_THAT(check.message, !Catch::Contains("DVCS"));
  }
}

TEST_CASE("DVCS: requests BouncyCastle builds (vsd, vpkc) are answered by xsign, garbage gets a signed error notice",
          "[channel][dvcs][interop]") {
  ListedDomains d;
  make_ttp(d, "ru");
  const std::string ru_trust = " --trust " + q(d.f("ru-root.pem")) + " --untrusted " + q(d.f("ru-issuing.pem")) + " --crl " +
                               q(d.f("ru-root.crl")) + " --crl " + q(d.f("ru-issuing.crl")) + " --offline";
  d.run_ok("sign " + q(d.doc) + " --attach --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem")) +
           " --chain " + q(d.f("ru-issuing.pem")) + " --out " + q(d.f("attached.p7s")));
  // vsd over an attached signature, built by BouncyCastle.
  REQUIRE(bouncycastle_dvcs("vsd-request " + q(d.f("attached.p7s")) + " " + q(d.f("bc-vsd.dvcs"))).exit_code == 0);
  d.run_ok("channel answer " + q(d.f("bc-vsd.dvcs")) + ru_trust + ttp_signer(d, "ru") + " --out " + q(d.f("vsd-answer.dvcs")));
  const auto vsd = bouncycastle_dvcs("response " + q(d.f("vsd-answer.dvcs")));
  INFO(vsd.out);
  CHECK_THAT(vsd.out, Catch::Contains("service=2\n") && Catch::Contains("nonce=4242\n") && Catch::Contains("status=0\n") &&
                          Catch::Contains("signature=valid"));
  // ... and the response is a receipt for that attached file.
  const auto v = xsign("verify " + q(d.f("attached.p7s")) + " --trust " + q(d.f("cn-root.pem")) + " --offline --receipt " +
                       q(d.f("vsd-answer.dvcs")) + " --json");
  CHECK_THAT(v.out, Catch::Contains("receipt not used: the receipt comes from"));  // a Russian TTP, not trusted in CN

  // vpkc of the trader's certificate, built by BouncyCastle: valid with the path and CRLs; one
  // the TTP cannot place is rejected.
  REQUIRE(bouncycastle_dvcs("vpkc-request " + q(d.f("ru-trader.pem")) + " " + q(d.f("bc-vpkc.dvcs"))).exit_code == 0);
  d.run_ok("channel answer " + q(d.f("bc-vpkc.dvcs")) + ru_trust + ttp_signer(d, "ru") + " --out " + q(d.f("vpkc-answer.dvcs")));
  const auto vpkc = bouncycastle_dvcs("response " + q(d.f("vpkc-answer.dvcs")));
  INFO(vpkc.out);
  CHECK_THAT(vpkc.out, Catch::Contains("service=3\n") && Catch::Contains("nonce=77\n") && Catch::Contains("status=0\n") &&
                           Catch::Contains("target=Certificate chain=3") && Catch::Contains("signature=valid"));
  REQUIRE(bouncycastle_dvcs("vpkc-request " + q(d.f("cn-trader.pem")) + " " + q(d.f("bc-vpkc-cn.dvcs"))).exit_code == 0);
  d.run_ok("channel answer " + q(d.f("bc-vpkc-cn.dvcs")) + ru_trust + ttp_signer(d, "ru") + " --out " + q(d.f("vpkc-cn.dvcs")));
  CHECK_THAT(bouncycastle_dvcs("response " + q(d.f("vpkc-cn.dvcs"))).out, Catch::Contains("status=2\n") && Catch::Contains("no_path"));

  // Hostile requests: a clear error offline, a signed DVCSErrorNotice from the server.
  testing::write(d.f("garbage.dvcs"), "\x30\x03\x02\x01\x01 not a request");
  const auto bad = xsign("channel answer " + q(d.f("garbage.dvcs")) + ru_trust + ttp_signer(d, "ru") + " --out " + q(d.f("x.dvcs")));
  CHECK(bad.exit_code == 65);
  CHECK(!fs::exists(d.f("x.dvcs")));
  CHECK_THROWS_AS(sign::parse_dvcs_request(sign::Bytes{0x30, 0x00}), sign::FormatError);
  // A cpd request (service 1) is not offered.
  auto req = sign::read_file(d.f("bc-vsd.dvcs"));
  const std::string text(req.begin(), req.end());
  const auto service = text.find(std::string("\x0a\x01\x02", 3));
  REQUIRE(service != std::string::npos);
  req[service + 2] = 1;
  CHECK_THROWS_WITH(sign::parse_dvcs_request(req), Catch::Contains("service 1 is not offered"));

  const int port = testing::free_port();
  const auto pid = testing::run(q(XSIGN_BIN) + " serve --ca " + q(d.f("ru-issuing")) + " --listen 127.0.0.1:" + std::to_string(port) +
                                " --ttp-key " + q(d.f("ru-ttp.key")) + " --ttp-cert " + q(d.f("ru-ttp.pem")) + " --ttp-chain " +
                                q(d.f("ru-issuing.pem")) + " --trust " + q(d.f("ru-root.pem")) + " --quiet >" +
                                q(d.f("serve.log")) + " 2>&1 & echo $!");
  for (int i = 0; i < 100 && testing::run("curl -sf http://127.0.0.1:" + std::to_string(port) + "/health").exit_code != 0; ++i)
    ::usleep(50 * 1000);
  httplib::Client c("127.0.0.1", port);
  const auto vsd_body = sign::read_file(d.f("bc-vsd.dvcs"));
  auto res = c.Post("/dvcs", std::string(vsd_body.begin(), vsd_body.end()), "application/dvcs");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/dvcs");
  testing::write(d.f("served.dvcs"), res->body);
  CHECK_THAT(bouncycastle_dvcs("response " + q(d.f("served.dvcs"))).out,
             Catch::Contains("service=2\n") && Catch::Contains("signature=valid"));
  auto error = c.Post("/dvcs", "garbage", "application/dvcs");
  REQUIRE(error);
  CHECK(error->status == 400);
  testing::write(d.f("error.dvcs"), error->body);
  CHECK_THAT(bouncycastle_dvcs("response " + q(d.f("error.dvcs"))).out,
             Catch::Contains("error status=2") && Catch::Contains("malformed request") && Catch::Contains("signature=valid"));
  testing::run("kill " + pid.out);
}

TEST_CASE("POST /validate on xsign serve returns a signed receipt", "[channel][server]") {
  ListedDomains d;
  d.run_ok("key gen --suite sm2 --no-encrypt --out " + q(d.f("ttp.key")));
  d.run_ok("csr --key " + q(d.f("ttp.key")) + " --subject '/C=CN/CN=Shanghai TTP' --out " + q(d.f("ttp.csr")));
  d.run_ok("ca issue " + q(d.f("ttp.csr")) + " --dir " + q(d.f("cn-issuing")) + " --profile trader --out " + q(d.f("ttp.pem")));
  const int port = testing::free_port();
  const std::string cmd = q(XSIGN_BIN) + " serve --ca " + q(d.f("cn-issuing")) + " --listen 127.0.0.1:" + std::to_string(port) +
                          " --ttp-key " + q(d.f("ttp.key")) + " --ttp-cert " + q(d.f("ttp.pem")) + " --ttp-chain " +
                          q(d.f("cn-issuing.pem")) + " --trust " + q(d.f("trust-cn")) + " --quiet >" + q(d.f("serve.log")) +
                          " 2>&1 & echo $!";
  const auto pid = testing::run(cmd);
  for (int i = 0; i < 100 && testing::run("curl -sf http://127.0.0.1:" + std::to_string(port) + "/health").exit_code != 0; ++i)
    ::usleep(50 * 1000);
  httplib::Client c("127.0.0.1", port);
  const auto sig = sign::read_file(d.f("invoice.ru.p7s"));
  const auto doc = sign::read_file(d.doc);
  const std::string body = "{\"document\":\"" + Botan::base64_encode(doc.data(), doc.size()) + "\",\"signature\":\"" +
                           Botan::base64_encode(sig.data(), sig.size()) + "\"}";
  auto res = c.Post("/validate", body, "application/json");
  REQUIRE(res);
  CHECK(res->status == 200);
  const sign::Bytes receipt(res->body.begin(), res->body.end());
  const auto check = sign::verify_receipt(receipt, sign::Content::file(d.doc), sig, {sign::Certificate::load(d.f("cn-root.pem"))},
                                          {}, sign::now());
  INFO(check.message);
  CHECK(check.ok);
  CHECK(check.receipt->indication == "TOTAL-PASSED");
  auto bad = c.Post("/validate", "not json", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  testing::run("kill " + pid.out);
}

TEST_CASE("The demo runs end to end and every verdict is the expected one", "[channel][demo]") {
  testing::TempDir dir;
  const std::string demo = dir.file("demo");
  const auto r = xsign("demo --dir " + q(demo));
  INFO(r.out.substr(r.out.size() > 3000 ? r.out.size() - 3000 : 0) << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("All 8 verdicts were as expected"));
  // Each verdict again, from the files the demo left, as a user would check them.
  auto verdict = [&](const std::string& args) { return xsign("verify " + args + " --json").out; };
  const auto ru = verdict(q(demo + "/invoice.xml") + " --trust " + q(demo + "/trust-ru"));
  CHECK_THAT(ru, Catch::Contains("\"indication\": \"TOTAL-PASSED\"") && Catch::Contains("\"level\": \"LTA\"") &&
                     Catch::Contains("\"cross_border\": true"));
  const auto origin = verdict(q(demo + "/certificate-of-origin.xml") + " --trust " + q(demo + "/trust-ru"));
  CHECK_THAT(origin, Catch::Contains("\"sub_indication\": \"REVOKED\"") || Catch::Contains("REVOKED_NO_POE") ||
                         Catch::Contains("TRY_LATER"));
  CHECK(xsign("trustlist verify " + q(demo + "/cn-trust-list.xml") + " --trust " + q(demo + "/trust-cn")).exit_code == 0);
  CHECK(std::filesystem::exists(demo + "/invoice.receipt.p7s"));
  // The e-invoice signed as XAdES inside the XML by both parties.
  const auto xades = xsign("inspect " + q(demo + "/invoice.xades.xml") + " --json");
  CHECK(xades.exit_code == 0);
  CHECK_THAT(xades.out, Catch::Contains("sm2-sm3") && Catch::Contains("gostr34102012-gostr34112012-256"));
  // The shipment as one ASiC-E container, signed by both, and its documents unpacked.
  const auto shipment = xsign("inspect " + q(demo + "/shipment.asice") + " --json");
  CHECK(shipment.exit_code == 0);
  CHECK_THAT(shipment.out, Catch::Contains("META-INF/signature001.p7s") && Catch::Contains("META-INF/signature002.p7s"));
  CHECK(testing::read(demo + "/received/invoice.xml") == testing::read(demo + "/invoice.xml"));
  // The officer's page, in Russian, and the receipt as RFC 3029 DVCS.
  CHECK_THAT(testing::read(demo + "/invoice.report.html"), Catch::Contains("lang=\"ru\"") && Catch::Contains("ДЕЙСТВИТЕЛЬНА"));
  CHECK(sign::is_dvcs_response(sign::read_file(demo + "/invoice.receipt.p7s")));
}
