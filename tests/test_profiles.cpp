// National certificate profiles in the report: the Russian qualified profile (FSB order No.
// 795) and the Chinese GM/T 0015 private extensions, and the policy check qualified_profile.
#include <catch2/catch.hpp>

#include <sign/error.hpp>
#include <sign/validate.hpp>

#include "hostile_pki.hpp"
#include "support.hpp"

using namespace testing;

namespace {

const std::string kCorpus = XSIGN_SOURCE_DIR "/tests/corpus/";

sign::ValidationPolicy ru_qualified() {
  sign::ValidationPolicy p;
  p.qualified_profile = "ru";
  return p;
}

// A signer certificate with the Russian qualified profile's fields.
void qualified(CertificateTemplate& t) {
  t.subject = sign::DistinguishedName::parse("/C=RU/O=OOO Volga/CN=Ivan Petrov/SNILS=14575361882/INN=770123456789");
  t.subject_sign_tool = "\"CryptoPro CSP\" (version 5.0)";
  t.issuer_sign_tool = {"CryptoPro CSP 5.0", "CryptoPro CA 2.0", "SF/124-3966", "SF/128-3868"};
  t.policies = {"1.2.643.100.113.1", "1.2.643.100.113.2"};
}

}  // namespace

TEST_CASE("A real qualified certificate's profile is shown by name, and passes qualified_profile = ru", "[profile][corpus]") {
  sign::TrustStore trust;
  trust.anchors = sign::Certificate::load_all(kCorpus + "gost-astral/root_minkomsvyaz_2018.pem");
  trust.intermediates = sign::Certificate::load_all(kCorpus + "gost-astral/ca_astralm_2019.pem");
  auto policy = ru_qualified();
  policy.revocation = sign::ValidationPolicy::Revocation::off;
  sign::ValidateOptions o;
  o.validation_time = sign::parse_time("2021-04-20T08:10:00Z");
  const auto report = sign::validate_signed_data(sign::SignedDataView::load(kCorpus + "gost-astral/astral_detached.p7s"),
                                                 sign::Content::file(kCorpus + "gost-astral/content_hexstr.txt"), trust,
                                                 policy, o);
  const auto& s = report.signatures.at(0);
  CHECK(verdict_of(s) == "TOTAL-PASSED");
  CHECK(s.identifiers.at("SNILS") == "14575361882");
  CHECK(s.identifiers.at("OGRN") == "1150280072040");
  CHECK_THAT(s.profile.at("subjectSignTool"), Catch::Contains("КриптоПро CSP"));
  CHECK_THAT(s.profile.at("issuerSignTool"), Catch::Contains("ViPNet"));
  CHECK_THAT(s.profile.at("class"), Catch::Contains("KC1"));
  const std::string json = sign::report_to_json(report);
  CHECK_THAT(json, Catch::Contains("\"subjectSignTool\"") && Catch::Contains("\"profile\""));
  const std::string text = sign::report_to_text(report);
  CHECK_THAT(text, Catch::Contains("subjectSignTool") && Catch::Contains("SNILS 14575361882"));
  // Names of persons read by name.
  CHECK_THAT(s.signer, Catch::Contains("SN=Галяутдинов") && Catch::Contains("GN=Ринат Рамилевич"));
}

TEST_CASE("qualified_profile = ru fails a signer without the mandatory fields, naming them", "[profile]") {
  SECTION("a certificate without any of them") {
    HostilePki pki(Suite::gost256);
    const auto report = pki.validate(pki.sign("doc"), "doc", ru_qualified());
    const auto& s = report.signatures.at(0);
    CHECK(verdict_of(s) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
    CHECK_THAT(s.message, Catch::Contains("subjectSignTool") && Catch::Contains("issuerSignTool") &&
                              Catch::Contains("class policy") && Catch::Contains("SNILS, OGRN or OGRNIP"));
    // Without the check, the same signature passes.
    CHECK(verdict_of(pki.validate(pki.sign("doc"), "doc").signatures.at(0)) == "TOTAL-PASSED");
  }
  SECTION("a complete one passes, and shows its fields") {
    HostilePki pki(Suite::gost256, {}, qualified);
    const auto report = pki.validate(pki.sign("doc"), "doc", ru_qualified());
    const auto& s = report.signatures.at(0);
    CHECK(verdict_of(s) == "TOTAL-PASSED");
    CHECK(s.profile.at("class") == "KC1, KC2");
    CHECK(s.profile.at("issuerSignTool") == "CryptoPro CSP 5.0; CryptoPro CA 2.0; SF/124-3966; SF/128-3868");
  }
  SECTION("an organisation's OGRN without its INN") {
    HostilePki pki(Suite::gost256, {}, [](CertificateTemplate& t) {
      qualified(t);
      t.subject = sign::DistinguishedName::parse("/C=RU/O=OOO Volga/CN=OOO Volga/OGRN=1027700000001");
    });
    const auto missing = sign::missing_ru_qualified_fields(pki.signer);
    REQUIRE(missing.size() == 1);
    CHECK_THAT(missing[0], Catch::Contains("INNLE"));
  }
  SECTION("the policy file") {
    TempDir dir;
    write(dir.file("p.toml"), "qualified_profile = \"ru\"\n");
    CHECK(sign::ValidationPolicy::load(dir.file("p.toml")).qualified_profile == "ru");
    write(dir.file("p.toml"), "qualified_profile = \"eu\"\n");
    CHECK_THROWS_WITH(sign::ValidationPolicy::load(dir.file("p.toml")), Catch::Contains("qualified_profile"));
  }
}

TEST_CASE("GM/T 0015 private extensions are shown by name, DER or raw", "[profile]") {
  HostilePki pki(Suite::sm2, {}, [](CertificateTemplate& t) {
    const std::string id = "110101199001011234";
    // IdentifyCode as raw ASCII (as a real Chinese TSA certificate has it), OrganizationCode as
    // a PrintableString, TaxationNumber as bytes that are neither.
    t.extra_extensions.push_back({"1.2.156.10260.4.1.1", false, Bytes(id.begin(), id.end())});
    t.extra_extensions.push_back({"1.2.156.10260.4.1.4", false, sign::der_tlv(0x13, Bytes{'M', 'A', '1', 'F', 'L'})});
    t.extra_extensions.push_back({"1.2.156.10260.4.1.5", false, Bytes{0x01, 0xff}});
  });
  const auto fields = sign::profile_fields(pki.signer);
  std::map<std::string, std::string> by_name;
  for (const auto& f : fields) by_name[f.name] = f.value;
  CHECK(by_name.at("IdentifyCode") == "110101199001011234");
  CHECK(by_name.at("OrganizationCode") == "MA1FL");
  CHECK(by_name.at("TaxationNumber") == "01ff");
  const auto report = pki.validate(pki.sign("doc"), "doc");
  const auto& s = report.signatures.at(0);
  CHECK(verdict_of(s) == "TOTAL-PASSED");
  CHECK(s.profile.at("IdentifyCode") == "110101199001011234");
}

TEST_CASE("Values derived from one certificate are kept with that certificate, not mixed with another's", "[profile][pki]") {
  // Two signers whose profiles differ, asked alternately: each answer stays its own, copies of
  // a certificate share what was worked out, and every digest equals a fresh one.
  HostilePki ru(Suite::gost256, {}, qualified);
  HostilePki cn(Suite::sm2, {}, [](CertificateTemplate& t) {
    t.extra_extensions.push_back({"1.2.156.10260.4.1.1", false, Bytes{'4', '2'}});
  });
  for (int round = 0; round < 3; ++round) {
    const auto ru_fields = sign::profile_fields(ru.signer), cn_fields = sign::profile_fields(cn.signer);
    std::map<std::string, std::string> ru_by_name, cn_by_name;
    for (const auto& f : ru_fields) ru_by_name[f.name] = f.value;
    for (const auto& f : cn_fields) cn_by_name[f.name] = f.value;
    CHECK(ru_by_name.count("subjectSignTool") == 1);
    CHECK(ru_by_name.count("IdentifyCode") == 0);
    CHECK(cn_by_name.at("IdentifyCode") == "42");
    CHECK(cn_by_name.count("subjectSignTool") == 0);
  }
  for (const auto alg : {sign::DigestAlgorithm::sha256, sign::DigestAlgorithm::sm3, sign::DigestAlgorithm::streebog256,
                         sign::DigestAlgorithm::streebog512}) {
    for (const auto* cert : {&ru.signer, &cn.signer}) {
      const sign::Certificate copy = *cert;
      CHECK(cert->digest(alg) == sign::digest_bytes(alg, cert->der()));
      CHECK(&copy.digest(alg) == &cert->digest(alg));
    }
    CHECK(ru.signer.digest(alg) != cn.signer.digest(alg));
  }
  CHECK(ru.signer.fingerprint() == sign::to_hex(sign::digest_bytes(sign::DigestAlgorithm::sha256, ru.signer.der())));
  // A certificate parsed again from its bytes is another object with the same values.
  const auto reparsed = sign::Certificate::from_der(ru.signer.der());
  CHECK(reparsed.digest(sign::DigestAlgorithm::sm3) == ru.signer.digest(sign::DigestAlgorithm::sm3));
}
