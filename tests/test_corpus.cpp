// Every file of tests/corpus (a copy of ../shared/corpus: real signatures, certificates and CRLs made by other tools)
// with the right answer PROVENANCE.md gives for it.
#include <catch2/catch.hpp>

#include <sign/error.hpp>
#include <sign/validate.hpp>

#include "hostile_pki.hpp"
#include "support.hpp"

#include <filesystem>
#include <set>

using namespace testing;

namespace {

const std::string kCorpus = XSIGN_SOURCE_DIR "/tests/corpus/";
std::string corpus(const std::string& rel) { return kCorpus + rel; }

sign::Content content_of_file(const std::string& rel) { return sign::Content::file(corpus(rel)); }

std::vector<sign::SignerCheck> checks_of(const std::string& p7s, const std::optional<sign::Content>& content) {
  return sign::check_signatures(sign::SignedDataView::load(corpus(p7s)), content);
}

sign::ValidationPolicy no_revocation() {
  sign::ValidationPolicy p;
  p.revocation = sign::ValidationPolicy::Revocation::off;
  return p;
}

std::string verdict(const std::string& p7s, const std::string& content, const sign::TrustStore& trust,
                    const sign::ValidationPolicy& policy, std::optional<sign::TimePoint> at) {
  sign::ValidateOptions o;
  o.validation_time = at;
  const auto sd = sign::SignedDataView::load(corpus(p7s));
  const auto report = sign::validate_signed_data(
      sd, content.empty() ? std::nullopt : std::optional(sign::Content::file(content)), trust, policy, o);
  REQUIRE(report.signatures.size() == 1);
  return verdict_of(report.signatures[0]);
}

bool chains_to(const std::string& cert, const std::string& root, const std::string& at) {
  sign::PathOptions po;
  po.anchors = sign::Certificate::load_all(corpus(root));
  po.validation_time = sign::parse_time(at);
  const auto r = sign::validate_path(sign::Certificate::load(corpus(cert)), po);
  INFO(r.message);
  return r.ok();
}

}  // namespace

TEST_CASE("Corpus: TC26 CMS examples of the GOST engine", "[corpus][interop]") {
  for (const std::string f : {"gost-engine-tc26/signed_a111.p7s", "gost-engine-tc26/signed_a111.pem"}) {
    CAPTURE(f);
    const auto c = checks_of(f, std::nullopt);
    REQUIRE(c.size() == 1);
    CHECK(c[0].ok());
    CHECK(c[0].suite == sign::Suite::gost512);
    CHECK(c[0].has_signed_attributes);
  }
  for (const std::string f : {"gost-engine-tc26/signed_a121.p7s", "gost-engine-tc26/signed_a121.pem"}) {
    CAPTURE(f);
    const auto c = checks_of(f, std::nullopt);
    REQUIRE(c.size() == 1);
    CHECK(c[0].ok());
    CHECK(c[0].suite == sign::Suite::gost256);
    CHECK_FALSE(c[0].has_signed_attributes);
  }
  // Their root has no basicConstraints: like OpenSSL ("invalid CA certificate"), xsign does not
  // let it issue, so the path is not accepted even though the cryptography holds.
  sign::TrustStore trust;
  trust.anchors = sign::Certificate::load_all(corpus("gost-engine-tc26/root256_cert.pem"));
  auto policy = no_revocation();
  policy.require_signing_certificate = false;
  CHECK(verdict("gost-engine-tc26/signed_a111.p7s", "", trust, policy, sign::parse_time("2019-03-21")) ==
        "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
}

TEST_CASE("Corpus: a CryptoPro CAdES-BES under the accredited CA ASTRAL-M", "[corpus][interop]") {
  sign::TrustStore trust;
  trust.anchors = sign::Certificate::load_all(corpus("gost-astral/root_minkomsvyaz_2018.pem"));
  trust.intermediates = sign::Certificate::load_all(corpus("gost-astral/ca_astralm_2019.pem"));
  const auto at = sign::parse_time("2021-04-20T08:10:00Z");
  const std::string sig = "gost-astral/astral_detached.p7s";
  CHECK(verdict(sig, corpus("gost-astral/content_hexstr.txt"), trust, no_revocation(), at) == "TOTAL-PASSED");
  TempDir dir;
  write(dir.file("changed.txt"), read(corpus("gost-astral/content_hexstr.txt")) + " ");
  CHECK(verdict(sig, dir.file("changed.txt"), trust, no_revocation(), at) == "TOTAL-FAILED/HASH_FAILURE");
  // Today the certificate has expired and nothing proves the signature existed before.
  CHECK(verdict(sig, corpus("gost-astral/content_hexstr.txt"), trust, no_revocation(), std::nullopt) ==
        "INDETERMINATE/OUT_OF_BOUNDS_NO_POE");
  CHECK(chains_to("gost-astral/ca_astralm_2019.pem", "gost-astral/root_minkomsvyaz_2018.pem", "2021-04-20"));
}

TEST_CASE("Corpus: a CryptoPro JCP signature from the Kontur test CA", "[corpus][interop]") {
  const auto c = checks_of("gost-kontur/kontur_test_detached.p7s", content_of_file("gost-kontur/content.bin"));
  REQUIRE(c.size() == 1);
  CHECK(c[0].ok());
  const auto other = sign::Content::bytes({'x'});
  CHECK(checks_of("gost-kontur/kontur_test_detached.p7s", other)[0].status == sign::SignerCheck::Status::hash_failure);
  // The base64 as first published has a typo: a clear error, not a verdict on garbage.
  CHECK_THROWS_AS(sign::SignedDataView::load(corpus("gost-kontur/sig_as_published.b64")), sign::FormatError);
}

TEST_CASE("Corpus: CFCA SADK signatures with GM/T 0010 OIDs", "[corpus][interop]") {
  const auto attached = checks_of("sm2-cfca/cfca_attached_abc.p7s", std::nullopt);
  REQUIRE(attached.size() == 1);
  CHECK(attached[0].ok());
  CHECK(attached[0].suite == sign::Suite::sm2);
  CHECK(sign::SignedDataView::load(corpus("sm2-cfca/cfca_attached_abc.p7s")).oid_style() == sign::OidStyle::gmt);

  CHECK(checks_of("sm2-cfca/cfca_detached.p7s", content_of_file("sm2-cfca/msg_utf8.txt"))[0].ok());
  const auto gbk = checks_of("sm2-cfca/cfca_detached.p7s", content_of_file("sm2-cfca/msg_gbk.txt"))[0].status;
  CHECK((gbk == sign::SignerCheck::Status::signature_failure || gbk == sign::SignerCheck::Status::hash_failure));
}

TEST_CASE("Corpus: China's national SM2 roots and their sub-CAs", "[corpus][interop]") {
  CHECK(chains_to("sm2-gmssl-nrcac/ca_Ant_Financial_Certification_Authority_S1.pem", "sm2-gmssl-nrcac/rootca_ROOTCA.pem",
                  "2022-05-05"));
  CHECK(chains_to("sm2-gmssl-nrcac/ca_Taier_CA.pem", "sm2-gmssl-nrcac/rootca_ROOTCA.pem", "2022-05-05"));
  CHECK(chains_to("sm2-gmssl-nrcac/ca_TJCA.pem", "sm2-gmssl-nrcac/rootca_Civil_Servant_ROOT.pem", "2022-05-05"));
  // Under the wrong root: no path.
  CHECK_FALSE(chains_to("sm2-gmssl-nrcac/ca_TJCA.pem", "sm2-gmssl-nrcac/rootca_ROOTCA.pem", "2022-05-05"));
}

TEST_CASE("Corpus: CFCA and SHECA SM2 certificates and bundles all load", "[corpus][interop]") {
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(corpus("sm2-gmssl-cfca"))) {
    const auto ext = e.path().extension().string();
    if (ext != ".cer" && ext != ".pem" && ext != ".p7b") continue;
    CAPTURE(e.path().filename().string());
    std::vector<sign::Certificate> certs;
    REQUIRE_NOTHROW(certs = sign::Certificate::load_all(e.path().string()));
    CHECK_FALSE(certs.empty());
    ++files;
  }
  CHECK(files == 20);
  // The bare-base64 PKCS#7 bundle and the PEM "PKCS7" one.
  CHECK(sign::Certificate::load_all(corpus("sm2-gmssl-cfca/gjzsl-sm2_cfca_gj_cs_sm2.p7b")).size() >= 2);
  CHECK(sign::Certificate::load_all(corpus("sm2-gmssl-cfca/sm2-pkcs7.pem")).size() >= 2);

  CHECK(chains_to("sm2-gmssl-cfca/CFCA_CS_CA_CFCA_SM2_OCA1.cer", "sm2-gmssl-cfca/CFCA_CS_CA_CFCA_CS_SM2_CA.cer",
                  "2025-01-01"));
  CHECK(chains_to("sm2-gmssl-cfca/gjzsl-sm2_oca1sm2.cer", "sm2-gmssl-cfca/CFCA_CS_CA_CFCA_CS_SM2_CA.cer", "2025-01-01"));
  CHECK(chains_to("sm2-gmssl-cfca/CFCA_EV_CA_CFCA_EV_SM2_OCA.cer", "sm2-gmssl-cfca/CFCA_EV_CA_CFCA_EV_SM2_ROOT.cer",
                  "2025-01-01"));
  CHECK(chains_to("sm2-gmssl-cfca/sm2-x509.pem", "sm2-gmssl-nrcac/rootca_ROOTCA.pem", "2025-01-01"));
}

TEST_CASE("Corpus: every signature file has a test above", "[corpus]") {
  // A file added to the corpus without a right answer here fails this test.
  const std::set<std::string> covered{"signed_a111.p7s",         "signed_a111.pem",    "signed_a121.p7s",
                                      "signed_a121.pem",         "astral_detached.p7s", "kontur_test_detached.p7s",
                                      "cfca_attached_abc.p7s",   "cfca_detached.p7s"};
  for (const auto& e : std::filesystem::recursive_directory_iterator(kCorpus)) {
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".p7s" || name.starts_with("signed_")) CHECK(covered.count(name) == 1);
  }
}
