// The ca and pki modules through `xsign csr` / `xsign ca ...`, checked by the openssl binary
// (GOST engine for the Russian domain, plain OpenSSL for the Chinese one) and by our own
// path validation, including the cross-border paths.
#include <catch2/catch.hpp>

#include <sign/ca.hpp>
#include <sign/pki.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <botan/ber_dec.h>
#include <botan/der_enc.h>

#include <set>

using testing::q;
using testing::xsign;

namespace {

const std::string kSm2Id = "-vfyopt distid:1234567812345678";

std::string serial_of(const sign::Certificate& c) { return c.serial_hex(); }

// Independent SM2 check of one signed object (certificate or CRL): openssl pkeyutl verifies
// the signature over the DER to-be-signed part with the distinguishing ID.
bool openssl_sm2_verifies(const testing::TempDir& dir, const sign::Bytes& signed_der, const sign::PublicKey& issuer) {
  Botan::BER_Decoder outer(signed_der);
  Botan::BER_Decoder seq = outer.start_cons(Botan::SEQUENCE);
  const Botan::BER_Object tbs = seq.get_next_object();
  Botan::AlgorithmIdentifier alg;
  std::vector<std::uint8_t> sig;
  seq.decode(alg).decode(sig, Botan::BIT_STRING);
  sign::Bytes tbs_der;
  Botan::DER_Encoder(tbs_der).add_object(tbs.type(), tbs.get_class(), tbs.bits(), tbs.length());
  testing::write(dir.file("tbs.der"), std::string(tbs_der.begin(), tbs_der.end()));
  testing::write(dir.file("sig.der"), std::string(sig.begin(), sig.end()));
  testing::write(dir.file("issuer.pub"), issuer.to_pem());
  return testing::openssl_plain("pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
                                q(dir.file("issuer.pub")) + " -in " + q(dir.file("tbs.der")) + " -sigfile " +
                                q(dir.file("sig.der")))
             .exit_code == 0;
}

sign::PathOptions options_for(const testing::TwoDomains& d, const std::string& anchor_domain) {
  sign::PathOptions o;
  o.anchors = {d.cert(anchor_domain + "-root.pem")};
  for (const char* n : {"ru-issuing.pem", "cn-issuing.pem", "cn-root.pem", "ru-root.pem", "x-ru-cn.pem", "x-cn-ru.pem"})
    o.intermediates.push_back(d.cert(n));
  for (const char* n : {"ru-root.crl", "ru-issuing.crl", "cn-root.crl", "cn-issuing.crl"})
    o.crls.push_back(sign::Crl::load(d.f(n)));
  o.validation_time = sign::now();
  return o;
}

}  // namespace

TEST_CASE("The Russian chain verifies in openssl with the GOST engine, with and without CRLs", "[ca][interop]") {
  testing::TwoDomains d;
  const std::string chain = "-CAfile " + q(d.f("ru-root.pem")) + " -untrusted " + q(d.f("ru-issuing.pem")) + " ";
  CHECK(testing::openssl_gost("verify " + chain + q(d.f("ru-trader.pem"))).exit_code == 0);
  CHECK(testing::openssl_gost("verify -crl_check_all -CRLfile " + q(d.f("ru-crls.pem")) + " " + chain +
                              q(d.f("ru-trader.pem")))
            .exit_code == 0);
  // openssl parses every object we made.
  for (const char* f : {"ru-root.pem", "ru-issuing.pem", "ru-trader.pem"})
    CHECK(testing::openssl_gost("x509 -noout -text -in " + q(d.f(f))).exit_code == 0);
  CHECK(testing::openssl_gost("req -verify -noout -in " + q(d.f("ru-trader.csr"))).exit_code == 0);
  CHECK(testing::openssl_gost("crl -noout -text -in " + q(d.f("ru-issuing.crl"))).exit_code == 0);
  const auto text = testing::openssl_gost("x509 -noout -text -in " + q(d.f("ru-trader.pem")));
  CHECK_THAT(text.out, Catch::Contains("INN = 770123456789") && Catch::Contains("OGRN = 1027700000001") &&
                           Catch::Contains("Signing Tool of Subject") && Catch::Contains("Signing Tool of Issuer") &&
                           Catch::Contains("Class of Signing Tool KC1") && Catch::Contains("1.3.6.1.5.5.7.3.36") &&
                           Catch::Contains("Digital Signature, Non Repudiation"));

  SECTION("a revoked trader is reported revoked by openssl and by our path validation") {
    const auto trader = d.cert("ru-trader.pem");
    d.run_ok("ca revoke " + serial_of(trader) + " --dir " + q(d.f("ru-issuing")) + " --reason keyCompromise");
    d.crls("ru");
    const auto r = testing::openssl_gost("verify -crl_check_all -CRLfile " + q(d.f("ru-crls.pem")) + " " + chain +
                                         q(d.f("ru-trader.pem")));
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.out + r.err, Catch::Contains("certificate revoked"));
    const auto ours = sign::validate_path(trader, options_for(d, "ru"));
    CHECK(ours.status == sign::PathResult::Status::revoked);
    REQUIRE(ours.revocation);
    CHECK(ours.revocation->reason == sign::RevocationReason::key_compromise);
  }
}

TEST_CASE("The Chinese chain verifies in openssl link by link with the SM2 ID", "[ca][interop]") {
  testing::TwoDomains d;
  // OpenSSL 3.0 applies -vfyopt only to the certificate at depth 0 (docs/interop.md).
  CHECK(testing::openssl_plain("verify " + kSm2Id + " -CAfile " + q(d.f("cn-root.pem")) + " " + q(d.f("cn-issuing.pem")))
            .exit_code == 0);
  CHECK(testing::openssl_plain("verify " + kSm2Id + " -partial_chain -CAfile " + q(d.f("cn-issuing.pem")) + " " +
                               q(d.f("cn-trader.pem")))
            .exit_code == 0);
  CHECK(testing::openssl_plain("req -verify -noout " + kSm2Id + " -in " + q(d.f("cn-trader.csr"))).exit_code == 0);
  CHECK(testing::openssl_plain("x509 -noout -text -in " + q(d.f("cn-trader.pem"))).exit_code == 0);
  // The root's self-signature and the CRLs' signatures, through pkeyutl with the ID.
  const auto root = d.cert("cn-root.pem");
  CHECK(openssl_sm2_verifies(d.dir, root.der(), root.public_key()));
  CHECK(openssl_sm2_verifies(d.dir, sign::Crl::load(d.f("cn-issuing.crl")).der(), d.cert("cn-issuing.pem").public_key()));
  // Without the ID OpenSSL's empty default fails: the ID really is 1234567812345678.
  CHECK(testing::openssl_plain("verify -partial_chain -CAfile " + q(d.f("cn-issuing.pem")) + " " + q(d.f("cn-trader.pem")))
            .exit_code != 0);
  const auto text = testing::openssl_plain("x509 -noout -text -in " + q(d.f("cn-trader.pem")));
  CHECK_THAT(text.out, Catch::Contains("NTRCN-91310000MA1FL0XX1A") && Catch::Contains("SM2-with-SM3"));

  SECTION("a revoked trader is listed in the CRL openssl reads, and our validation reports it") {
    const auto trader = d.cert("cn-trader.pem");
    d.run_ok("ca revoke " + serial_of(trader) + " --dir " + q(d.f("cn-issuing")) + " --reason superseded");
    d.crls("cn");
    const auto crl = testing::openssl_plain("crl -noout -text -in " + q(d.f("cn-issuing.crl")));
    std::string upper = trader.serial_hex();
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK_THAT(crl.out, Catch::Contains(upper) && Catch::Contains("Superseded"));
    CHECK(sign::validate_path(trader, options_for(d, "cn")).status == sign::PathResult::Status::revoked);
  }
}

TEST_CASE("Each link of a cross-border path verifies in openssl on its own", "[ca][interop]") {
  testing::TwoDomains d;
  // RU root -> cross-certificate (GOST-signed, SM2 key): GOST engine.
  CHECK(testing::openssl_gost("verify -partial_chain -CAfile " + q(d.f("ru-root.pem")) + " " + q(d.f("x-ru-cn.pem")))
            .exit_code == 0);
  // cross-certificate (SM2 key) -> CN issuing CA: plain OpenSSL with the SM2 ID.
  CHECK(testing::openssl_plain("verify " + kSm2Id + " -partial_chain -CAfile " + q(d.f("x-ru-cn.pem")) + " " +
                               q(d.f("cn-issuing.pem")))
            .exit_code == 0);
  // CN root -> cross-certificate (SM2-signed, GOST key): OpenSSL cannot load the GOST key
  // without the engine, nor check SM2 with it, so its signature is checked with pkeyutl.
  CHECK(openssl_sm2_verifies(d.dir, d.cert("x-cn-ru.pem").der(), d.cert("cn-root.pem").public_key()));
  // cross-certificate (GOST key) -> RU issuing CA: GOST engine.
  CHECK(testing::openssl_gost("verify -partial_chain -CAfile " + q(d.f("x-cn-ru.pem")) + " " + q(d.f("ru-issuing.pem")))
            .exit_code == 0);
  // The cross-certificate carries the foreign root's own key identifier.
  CHECK(d.cert("x-ru-cn.pem").subject_key_id() == d.cert("cn-root.pem").subject_key_id());
}

TEST_CASE("Our path validation accepts domestic and cross-border paths both ways", "[ca][pki]") {
  testing::TwoDomains d;
  using S = sign::PathResult::Status;
  const auto ru = options_for(d, "ru");
  const auto cn = options_for(d, "cn");

  const auto ru_domestic = sign::validate_path(d.cert("ru-trader.pem"), ru);
  CHECK(ru_domestic.status == S::valid);
  CHECK(ru_domestic.path.size() == 3);
  CHECK(sign::validate_path(d.cert("cn-trader.pem"), cn).status == S::valid);

  // RU verifier, CN trader: trader -> CN issuing -> cross-certificate -> RU root.
  const auto cross = sign::validate_path(d.cert("cn-trader.pem"), ru);
  INFO(cross.message);
  REQUIRE(cross.status == S::valid);
  REQUIRE(cross.path.size() == 4);
  CHECK(cross.path[2] == d.cert("x-ru-cn.pem"));
  CHECK(cross.path[3] == d.cert("ru-root.pem"));
  // And the reverse direction.
  const auto reverse = sign::validate_path(d.cert("ru-trader.pem"), cn);
  INFO(reverse.message);
  CHECK(reverse.status == S::valid);

  SECTION("without the cross-certificate there is no path") {
    auto o = ru;
    o.intermediates.erase(std::remove(o.intermediates.begin(), o.intermediates.end(), d.cert("x-ru-cn.pem")),
                          o.intermediates.end());
    CHECK(sign::validate_path(d.cert("cn-trader.pem"), o).status == S::no_path);
  }
  SECTION("a cross-certificate whose name constraints exclude the signer fails") {
    d.run_ok("ca cross-certify " + q(d.f("cn-root.pem")) + " --dir " + q(d.f("ru-root")) + " --permit /C=KZ --out " +
             q(d.f("x-kz.pem")));
    auto o = ru;
    o.intermediates.erase(std::remove(o.intermediates.begin(), o.intermediates.end(), d.cert("x-ru-cn.pem")),
                          o.intermediates.end());
    o.intermediates.push_back(d.cert("x-kz.pem"));
    // The cross-certificate was issued just now: validate after it (a slow machine can cross a
    // second between the fixture's time and the issuance).
    o.validation_time = sign::now() + std::chrono::seconds(1);
    const auto r = sign::validate_path(d.cert("cn-trader.pem"), o);
    CHECK(r.status == S::constraints_failure);
    CHECK_THAT(r.message, Catch::Contains("outside the names permitted"));
  }
  SECTION("expired and not-yet-valid are reported at the validation time") {
    auto o = ru;
    o.validation_time = sign::now() + std::chrono::hours(24 * 400);
    CHECK(sign::validate_path(d.cert("ru-trader.pem"), o).status == S::expired);
    o.validation_time = sign::now() - std::chrono::hours(24);
    CHECK(sign::validate_path(d.cert("ru-trader.pem"), o).status == S::not_yet_valid);
  }
  SECTION("an end-entity certificate cannot act as a CA") {
    // A certificate "issued" by the trader, signed with the trader's key.
    const auto trader_key = sign::PrivateKey::load(d.f("ru-trader.key"), nullptr);
    sign::CertificateTemplate t;
    t.subject = sign::DistinguishedName::parse("/C=RU/CN=Mallory");
    t.public_key = sign::PrivateKey::generate(sign::Suite::gost256).public_key();
    t.not_before = sign::now() - std::chrono::hours(1);
    t.not_after = t.not_before + std::chrono::hours(48);
    const auto trader = d.cert("ru-trader.pem");
    const auto forged = sign::issue_certificate(t, trader.subject(), trader.subject_key_id(), trader_key);
    auto o = ru;
    o.intermediates.push_back(trader);
    const auto r = sign::validate_path(forged, o);
    CHECK(r.status == S::constraints_failure);
    CHECK_THAT(r.message, Catch::Contains("not a CA"));
  }
}

TEST_CASE("Certificates made by openssl are accepted as input", "[ca][interop]") {
  testing::TempDir dir;
  // GOST root and SM2 root made by openssl, parsed and checked by the pki module.
  REQUIRE(testing::openssl_gost("req -x509 -newkey gost2012_256 -pkeyopt paramset:A -md_gost12_256 -nodes -days 30 "
                                "-subj /C=RU/CN=OpenSSL-GOST-Root -keyout " + q(dir.file("g.key")) + " -out " +
                                q(dir.file("g.pem")))
              .exit_code == 0);
  REQUIRE(testing::openssl_plain("genpkey -algorithm SM2 -out " + q(dir.file("s.key"))).exit_code == 0);
  REQUIRE(testing::openssl_plain("req -x509 -key " + q(dir.file("s.key")) +
                                 " -sm3 -sigopt distid:1234567812345678 -days 30 -subj /C=CN/CN=OpenSSL-SM2-Root -out " +
                                 q(dir.file("s.pem")))
              .exit_code == 0);
  for (const char* f : {"g.pem", "s.pem"}) {
    CAPTURE(f);
    const auto c = sign::Certificate::load(dir.file(f));
    CHECK(c.verify_signature(c.public_key()));
    CHECK(c.is_self_issued());
    sign::PathOptions o;
    o.anchors = {c};
    o.validation_time = sign::now();
    CHECK(sign::validate_path(c, o).ok());
  }
  CHECK(sign::Certificate::load(dir.file("g.pem")).public_key().suite() == sign::Suite::gost256);
  CHECK(sign::Certificate::load(dir.file("s.pem")).public_key().suite() == sign::Suite::sm2);
}

TEST_CASE("Bad CA input gives a clear error and leaves the store unchanged", "[ca]") {
  testing::TempDir dir;
  const std::string ca = dir.file("ru-root");
  REQUIRE(xsign("ca init --dir " + q(ca) + " --profile " + q(testing::kProfiles + "ru.toml") + " --no-encrypt --out " +
                q(dir.file("root.pem")))
              .exit_code == 0);
  const auto before = xsign("ca list --json --dir " + q(ca)).out;

  SECTION("a second init of the same directory") {
    const auto r = xsign("ca init --dir " + q(ca) + " --profile " + q(testing::kProfiles + "ru.toml") + " --no-encrypt");
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("already holds a CA"));
    CHECK(testing::read(dir.file("root.pem")) == testing::read(ca + "/ca.pem"));
  }
  SECTION("a CSR with a broken self-signature") {
    REQUIRE(xsign("key gen --suite gost256 --no-encrypt --out " + q(dir.file("k.pem"))).exit_code == 0);
    REQUIRE(xsign("csr --key " + q(dir.file("k.pem")) + " --subject /C=RU/CN=Test --out " + q(dir.file("r.csr")))
                .exit_code == 0);
    auto req = sign::CertificateRequest::load(dir.file("r.csr"));
    sign::Bytes der = req.der();
    der[der.size() - 10] ^= 0x01;  // inside the signature
    testing::write(dir.file("bad.csr"), std::string(der.begin(), der.end()));
    const auto r = xsign("ca issue " + q(dir.file("bad.csr")) + " --dir " + q(ca) + " --profile trader");
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("signature does not verify"));
  }
  SECTION("a profile with an unknown field") {
    testing::write(dir.file("bad.toml"),
                   testing::read(testing::kProfiles + "ru.toml") + "\n[profiles.extra]\nvalidity_dayz = 10\n");
    const auto r = xsign("ca init --dir " + q(dir.file("other")) + " --profile " + q(dir.file("bad.toml")) + " --no-encrypt");
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("unknown field 'validity_dayz'") && Catch::Contains("profiles.extra"));
    CHECK_FALSE(std::filesystem::exists(dir.file("other")));
  }
  SECTION("revoking an unknown serial") {
    const auto r = xsign("ca revoke 0123456789abcdef --dir " + q(ca));
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("no certificate with serial 0123456789abcdef"));
  }
  CHECK(xsign("ca list --json --dir " + q(ca)).out == before);
}

TEST_CASE("CA keys are encrypted at rest and serials are unique and positive", "[ca]") {
  testing::TempDir dir;
  testing::write(dir.file("pass"), "ca-passphrase\n");
  const std::string ca = dir.file("cn-root");
  REQUIRE(xsign("ca init --dir " + q(ca) + " --profile " + q(testing::kProfiles + "cn.toml") + " --pass-file " +
                q(dir.file("pass")) + " --out " + q(dir.file("root.pem")))
              .exit_code == 0);
  CHECK_THAT(testing::read(ca + "/ca.key"), Catch::StartsWith(testing::kPemEncryptedKey));
  REQUIRE(xsign("key gen --suite sm2 --no-encrypt --out " + q(dir.file("k.pem"))).exit_code == 0);
  REQUIRE(xsign("csr --key " + q(dir.file("k.pem")) + " --subject /C=CN/CN=Test --out " + q(dir.file("r.csr")))
              .exit_code == 0);
  CHECK(xsign("ca issue " + q(dir.file("r.csr")) + " --dir " + q(ca) + " --profile trader").exit_code == 65);
  std::set<std::string> serials;
  for (int i = 0; i < 5; ++i) {
    const auto r = xsign("ca issue " + q(dir.file("r.csr")) + " --dir " + q(ca) + " --profile trader --pass-file " +
                         q(dir.file("pass")) + " --out " + q(dir.file("c.pem")) + " --force");
    REQUIRE(r.exit_code == 0);
    const auto c = sign::Certificate::load(dir.file("c.pem"));
    CHECK(c.serial().size() >= 8);
    CHECK((c.serial()[0] & 0x80) == 0);
    serials.insert(c.serial_hex());
  }
  CHECK(serials.size() == 5);
  const auto list = xsign("ca list --dir " + q(ca));
  for (const auto& s : serials) CHECK_THAT(list.out, Catch::Contains(s));
}
