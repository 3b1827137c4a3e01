// Validation under attack (one section per class of wrong verdict): every hostile input is
// built here at test time, in both national suites where the class applies, and the exact
// indication and sub-indication are asserted.
#include <catch2/catch.hpp>

#include "drip_server.hpp"
#include "hostile_pki.hpp"
#include "support.hpp"

#include <sign/error.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

using namespace testing;
namespace cd = sign::cms_detail;

namespace {

const std::string kDoc = "<Invoice><ID>SH-MOW-2026-0042</ID><Amount>1440000</Amount></Invoice>\n";
const std::string kOtherDoc = "<Invoice><ID>SH-MOW-2026-0042</ID><Amount>9440000</Amount></Invoice>\n";

const std::string kP1 = "1.2.643.100.113.1";  // KC1
const std::string kP2 = "1.2.643.100.113.2";  // KC2
const std::string kAny = "2.5.29.32.0";

Bytes policy_constraints(std::optional<unsigned> require, std::optional<unsigned> inhibit_mapping) {
  Bytes content;
  if (require) content.insert(content.end(), {0x80, 0x01, static_cast<std::uint8_t>(*require)});
  if (inhibit_mapping) content.insert(content.end(), {0x81, 0x01, static_cast<std::uint8_t>(*inhibit_mapping)});
  return sign::der_tlv(0x30, content);
}

Bytes policy_mapping(const std::string& from, const std::string& to) {
  return seq({seq({sign::oid_der(from), sign::oid_der(to)})});
}

sign::RawExtension ext(const std::string& oid, bool critical, Bytes value) { return {oid, critical, std::move(value)}; }

std::string only_verdict(const sign::ValidationReport& r) {
  REQUIRE(r.signatures.size() == 1);
  INFO(r.signatures[0].message);
  return verdict_of(r.signatures[0]);
}

}  // namespace

// --------------------------------------------------------------------- 1. RFC 5280 path rules

TEST_CASE("Attack 1a: an unknown critical extension in the signer's or a CA's certificate fails the path", "[attack][path]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    const auto unknown = ext("1.3.6.1.4.1.99999.1", true, sign::der_tlv(0x05, {}));
    {
      HostilePki pki(suite, {}, [&](CertificateTemplate& t) { t.extra_extensions.push_back(unknown); });
      const auto r = pki.validate(pki.sign(kDoc), kDoc);
      CHECK(only_verdict(r) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
      CHECK_THAT(r.signatures[0].message, Catch::Contains("1.3.6.1.4.1.99999.1"));
    }
    {
      HostilePki pki(suite, [&](CertificateTemplate& t) { t.extra_extensions.push_back(unknown); });
      CHECK(only_verdict(pki.validate(pki.sign(kDoc), kDoc)) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
    }
    {
      // The same extension, not critical, with a value that is not even DER (as a Chinese TSA
      // certificate carries raw ASCII in 1.2.156.10260.4.1.1): readable and ignored.
      HostilePki pki(suite, {}, [&](CertificateTemplate& t) {
        t.extra_extensions.push_back(ext("1.2.156.10260.4.1.1", false, Bytes{'A', 'B', 'C', '1', '2', '3'}));
      });
      CHECK(only_verdict(pki.validate(pki.sign(kDoc), kDoc)) == "TOTAL-PASSED");
    }
  }
}

TEST_CASE("Attack 1b: certificate policies are processed as RFC 5280 §6.1 says", "[attack][path]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    sign::ValidationPolicy want_p1;
    want_p1.required_policies = {kP1};
    auto policies = [](std::vector<std::string> p) { return [p](CertificateTemplate& t) { t.policies = p; }; };

    SECTION("the signer and its CA carry the required policy") {
      HostilePki pki(suite, policies({kP1}), policies({kP1}));
      const auto r = pki.validate(pki.sign(kDoc), kDoc, want_p1);
      CHECK(only_verdict(r) == "TOTAL-PASSED");
    }
    SECTION("the signer carries another policy") {
      HostilePki pki(suite, policies({kP1}), policies({kP2}));
      CHECK(only_verdict(pki.validate(pki.sign(kDoc), kDoc, want_p1)) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
      // Without a required policy the path is valid (explicit policy is not required).
      CHECK(only_verdict(pki.validate(pki.sign(kDoc), kDoc)) == "TOTAL-PASSED");
    }
    SECTION("the signer carries the policy but its CA does not: the CA did not grant it") {
      HostilePki pki(suite, policies({kP2}), policies({kP1}));
      CHECK(only_verdict(pki.validate(pki.sign(kDoc), kDoc, want_p1)) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
    }
    SECTION("requireExplicitPolicy in the CA makes a policy mandatory below it") {
      HostilePki pki(suite,
                     [](CertificateTemplate& t) {
                       t.policies = {kP1};
                       t.extra_extensions.push_back(ext("2.5.29.36", true, policy_constraints(0, std::nullopt)));
                     },
                     policies({kP2}));
      const auto r = pki.validate(pki.sign(kDoc), kDoc);
      CHECK(only_verdict(r) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
      CHECK_THAT(r.signatures[0].message, Catch::Contains("explicit policy"));
    }
    SECTION("anyPolicy in the CA covers the signer's policy, unless inhibitAnyPolicy says otherwise") {
      HostilePki open(suite, policies({kAny}), policies({kP1}));
      CHECK(only_verdict(open.validate(open.sign(kDoc), kDoc, want_p1)) == "TOTAL-PASSED");
      HostilePki any_leaf(suite, policies({kAny}), policies({kAny}));
      CHECK(only_verdict(any_leaf.validate(any_leaf.sign(kDoc), kDoc, want_p1)) == "TOTAL-PASSED");
      HostilePki inhibited(suite,
                           [](CertificateTemplate& t) {
                             t.policies = {kAny};
                             t.extra_extensions.push_back(ext("2.5.29.54", true, sign::der_tlv(0x02, Bytes{0})));
                           },
                           policies({kAny}));
      CHECK(only_verdict(inhibited.validate(inhibited.sign(kDoc), kDoc, want_p1)) ==
            "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
      sign::ValidationPolicy no_any = want_p1;
      no_any.inhibit_any_policy = true;
      CHECK(only_verdict(any_leaf.validate(any_leaf.sign(kDoc), kDoc, no_any)) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
    }
    SECTION("policy mappings are followed, and refused when mapping is inhibited") {
      HostilePki mapped(suite,
                        [](CertificateTemplate& t) {
                          t.policies = {kP1};
                          t.extra_extensions.push_back(ext("2.5.29.33", true, policy_mapping(kP1, kP2)));
                        },
                        policies({kP2}));
      CHECK(only_verdict(mapped.validate(mapped.sign(kDoc), kDoc, want_p1)) == "TOTAL-PASSED");
      sign::ValidationPolicy no_mapping = want_p1;
      no_mapping.inhibit_policy_mapping = true;
      CHECK(only_verdict(mapped.validate(mapped.sign(kDoc), kDoc, no_mapping)) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
      HostilePki inhibited(suite,
                           [](CertificateTemplate& t) {
                             t.policies = {kP1};
                             t.extra_extensions.push_back(ext("2.5.29.33", true, policy_mapping(kP1, kP2)));
                             t.extra_extensions.push_back(ext("2.5.29.36", true, policy_constraints(std::nullopt, 0)));
                           },
                           policies({kP2}));
      // inhibitPolicyMapping in the CA applies below it; its own mapping still counts.
      CHECK(only_verdict(inhibited.validate(inhibited.sign(kDoc), kDoc, want_p1)) == "TOTAL-PASSED");
      HostilePki any_mapped(suite, [](CertificateTemplate& t) {
        t.policies = {kP1};
        t.extra_extensions.push_back(ext("2.5.29.33", true, policy_mapping(kAny, kP2)));
      });
      const auto r = any_mapped.validate(any_mapped.sign(kDoc), kDoc);
      CHECK(only_verdict(r) == "INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE");
      CHECK_THAT(r.signatures[0].message, Catch::Contains("anyPolicy"));
    }
  }
}

TEST_CASE("Attack 1c: a certificate whose outer signature algorithm differs from the TBS one is a format failure",
          "[attack][path]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    HostilePki pki(suite);
    Bytes der = pki.signer.der();
    const auto src = sign::memory_source(der);
    const auto top = sign::der_children(*src, sign::read_der_node(*src, 0, src->size()));
    // The last byte of the outer AlgorithmIdentifier's OID: another algorithm of the family.
    const auto alg = sign::der_children(*src, top[1]);
    der[alg[0].end() - 1] ^= 0x01;
    try {
      (void)Certificate::from_der(der);
      FAIL("the certificate was accepted");
    } catch (const sign::FormatError& e) {
      CHECK_THAT(e.what(), Catch::Contains("differs from the one inside"));
    }
    // Inside a signature file: `verify` answers TOTAL-FAILED / FORMAT_FAILURE.
    TempDir dir;
    Bytes p7s = pki.sign(kDoc);
    const Bytes original = pki.signer.der();
    auto at = std::search(p7s.begin(), p7s.end(), original.begin(), original.end());
    REQUIRE(at != p7s.end());
    std::copy(der.begin(), der.end(), at);
    write(dir.file("doc.xml"), kDoc);
    write(dir.file("doc.p7s"), std::string(p7s.begin(), p7s.end()));
    write(dir.file("root.pem"), pki.root.pem());
    const auto v = xsign("verify " + q(dir.file("doc.xml")) + " " + q(dir.file("doc.p7s")) + " --trust " +
                         q(dir.file("root.pem")) + " --json");
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("\"FORMAT_FAILURE\""));
  }
}

// ------------------------------------------------------------- 2. one document, one signature

TEST_CASE("Attack 2: signed attributes break RFC 5652 / CAdES cardinality rules", "[attack][cms]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    HostilePki pki(suite);
    const auto spec = pki.spec();
    const auto good = pki.cades_attributes(kDoc, spec);
    CHECK(only_verdict(pki.validate(pki.sign_with_attributes(good, spec), kDoc)) == "TOTAL-PASSED");

    auto with = [&](std::vector<Bytes> extra, const std::string& expect_in_message) {
      auto attrs = good;
      attrs.insert(attrs.end(), extra.begin(), extra.end());
      const Bytes p7s = pki.sign_with_attributes(attrs, spec);
      for (const auto& doc : {kDoc, kOtherDoc}) {
        const auto r = pki.validate(p7s, doc);
        CHECK(only_verdict(r) == "TOTAL-FAILED/FORMAT_FAILURE");
        CHECK_THAT(r.signatures[0].message, Catch::Contains(expect_in_message));
      }
    };
    // A second messageDigest over another document: the signature must not pass for either.
    with({cd::message_digest_attribute(pki.digest(kOtherDoc))}, "1.2.840.113549.1.9.4");
    with({cd::content_type_attribute("1.2.840.113549.1.9.16.1.4")}, "1.2.840.113549.1.9.3");
    with({cd::signing_time_attribute(pki.now - std::chrono::hours(1))}, "1.2.840.113549.1.9.5");
    with({cd::signing_certificate_v2_attribute(pki.ca, suite)}, "1.2.840.113549.1.9.16.2.47");
    with({cd::commitment_attribute(sign::Commitment::proof_of_origin),
          cd::commitment_attribute(sign::Commitment::proof_of_approval)},
         "1.2.840.113549.1.9.16.2.16");
    // One attribute with two values.
    const Bytes md_two = cd::attribute(cd::oid::message_digest, {sign::der_tlv(0x04, pki.digest(kDoc)),
                                                                 sign::der_tlv(0x04, pki.digest(kOtherDoc))});
    auto attrs = good;
    attrs[1] = md_two;
    const auto two_values = pki.validate(pki.sign_with_attributes(attrs, spec), kOtherDoc);
    CHECK(only_verdict(two_values) == "TOTAL-FAILED/FORMAT_FAILURE");
    // A countersignature may not hide among the signed attributes.
    with({cd::attribute(cd::oid::countersignature, {sign::der_tlv(0x30, {})})}, "countersignature");
  }
}

// --------------------------------------------------------------------------- 3. who signed

TEST_CASE("Attack 3a: without signingCertificateV2 a certificate of the same key cannot claim the signature",
          "[attack][cms]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    HostilePki pki(suite);
    // The attacker holds a second certificate for the signer's key, with another identity.
    const Certificate impostor = pki.make_signer(pki.signer_key, "/C=" + pki.country + "/O=Other Company/CN=Impostor");
    auto attrs = pki.cades_attributes(kDoc, pki.spec());
    attrs.pop_back();  // no signingCertificateV2
    const Bytes p7s = pki.sign_with_attributes(attrs, pki.spec_for(pki.signer_key, impostor));
    const auto r = pki.validate(p7s, kDoc);
    CHECK(only_verdict(r) == "INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND");
    // Relaxed for plain CMS, the report says the identity is unbound.
    sign::ValidationPolicy plain;
    plain.require_signing_certificate = false;
    const auto relaxed = pki.validate(p7s, kDoc, plain);
    CHECK(only_verdict(relaxed) == "TOTAL-PASSED");
    const auto& w = relaxed.signatures[0].warnings;
    CHECK(std::any_of(w.begin(), w.end(), [](const std::string& s) { return s.find("unbound") != std::string::npos; }));

    // With the attribute, swapping the certificate (and the unsigned signer identifier with it)
    // is caught: the signed ESSCertIDv2 names the original certificate.
    const Bytes swapped = pki.sign_with_attributes(pki.cades_attributes(kDoc, pki.spec()), pki.spec_for(pki.signer_key, impostor));
    const auto r2 = pki.validate(swapped, kDoc);
    CHECK(only_verdict(r2) == "INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND");
    CHECK_THAT(r2.signatures[0].message, Catch::Contains("names another certificate"));
  }
}

TEST_CASE("Attack 3b: an ESSCertIDv2 with the right hash but another issuer/serial is refused", "[attack][cms]") {
  HostilePki pki(Suite::gost256);
  auto attrs = pki.cades_attributes(kDoc, pki.spec());
  const Bytes hash = sign::digest_bytes(sign::DigestAlgorithm::streebog256, pki.signer.der());
  const Bytes issuer_serial = seq({seq({sign::der_tlv(0xa4, pki.signer.issuer().der())}), sign::integer_der(Bytes{0x42})});
  const Bytes ess = seq({sign::algorithm_der("1.2.643.7.1.1.2.2"), sign::der_tlv(0x04, hash), issuer_serial});
  attrs.back() = cd::attribute(cd::oid::signing_certificate_v2, {seq({seq({ess})})});
  const auto r = pki.validate(pki.sign_with_attributes(attrs, pki.spec()), kDoc);
  CHECK(only_verdict(r) == "INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND");
  CHECK_THAT(r.signatures[0].message, Catch::Contains("issuer and serial"));
}

TEST_CASE("Attack 3c: co-signing checks every existing signer against the document, whatever its digest", "[attack][cms]") {
  HostilePki cn(Suite::sm2);
  HostilePki ru(Suite::gost256);
  const Bytes sm2_p7s = cn.sign(kDoc);
  const auto sd = sign::SignedDataView::parse(sign::memory_source(sm2_p7s));
  Bytes out;
  auto sink = [&](sign::ByteView c) { out.insert(out.end(), c.begin(), c.end()); };
  // The GOST co-signer is handed a modified document: refused, nothing written.
  CHECK_THROWS_WITH(sign::cosign(sd, sign::Content::bytes(Bytes(kOtherDoc.begin(), kOtherDoc.end())), ru.spec(), sink),
                    Catch::Contains("not the one signer 1 signed"));
  CHECK(out.empty());
  // The right document co-signs.
  sign::cosign(sd, sign::Content::bytes(Bytes(kDoc.begin(), kDoc.end())), ru.spec(), sink);
  CHECK(sign::SignedDataView::parse(sign::memory_source(out)).signers().size() == 2);
}

// ---------------------------------------------------------------------- 4. revocation evidence

namespace {

Bytes ocsp_about(const HostilePki& pki, const Certificate& responder, const PrivateKey& responder_key, TimePoint at,
                 std::chrono::seconds validity) {
  sign::OcspResponder::Config config{pki.ca, responder, responder_key,
                                     [](const std::string&) {
                                       sign::OcspSingleResponse s;
                                       s.status = sign::OcspCertStatus::good;
                                       return std::optional<sign::OcspSingleResponse>(s);
                                     },
                                     validity};
  sign::OcspRequest req;
  req.ids.push_back(sign::OcspCertId::of(pki.signer, pki.ca));
  return sign::OcspResponder(config).respond(req.encode(), at);
}

}  // namespace

TEST_CASE("Attack 4: unusable OCSP answers are reported and ignored, never counted", "[attack][ocsp]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    HostilePki pki(suite);
    // Only the root's CRL is at hand: the signer's status must come from OCSP.
    sign::TrustStore store;
    store.anchors = {pki.root};
    store.crls = {{pki.crls[0], "test"}};
    const Bytes p7s = pki.sign(kDoc);
    auto with_ocsp = [&](const Bytes& resp) {
      sign::ValidateOptions o;
      o.extra_ocsp_responses = {resp};
      return pki.validate(p7s, kDoc, {}, o, &store);
    };
    auto warned = [](const sign::ValidationReport& r, const std::string& what) {
      const auto& w = r.signatures[0].warnings;
      return std::any_of(w.begin(), w.end(), [&](const std::string& s) { return s.find(what) != std::string::npos; });
    };
    // Control: a fresh answer from the CA itself is used.
    CHECK(only_verdict(with_ocsp(ocsp_about(pki, pki.ca, pki.ca_key, pki.now - std::chrono::minutes(5),
                                            std::chrono::hours(1)))) == "TOTAL-PASSED");

    const auto year_old = with_ocsp(ocsp_about(pki, pki.ca, pki.ca_key, pki.now - std::chrono::hours(24 * 365),
                                               std::chrono::seconds(0)));
    CHECK(only_verdict(year_old) == "INDETERMINATE/TRY_LATER");
    CHECK(warned(year_old, "no nextUpdate"));

    const auto future = with_ocsp(ocsp_about(pki, pki.ca, pki.ca_key, pki.now + std::chrono::hours(48), std::chrono::hours(1)));
    CHECK(only_verdict(future) == "INDETERMINATE/TRY_LATER");
    CHECK(warned(future, "future"));

    // A delegated responder whose certificate expired yesterday.
    const PrivateKey responder_key = PrivateKey::generate(suite);
    const Certificate expired = pki.make_signer(responder_key, "/C=" + pki.country + "/O=Hostile Test/CN=OCSP", [&](CertificateTemplate& t) {
      t.extended_key_usage = {std::string(sign::oids::eku_ocsp_signing)};
      t.not_before = pki.now - std::chrono::hours(24 * 30);
      t.not_after = pki.now - std::chrono::hours(24);
    });
    const auto stale_responder =
        with_ocsp(ocsp_about(pki, expired, responder_key, pki.now - std::chrono::minutes(5), std::chrono::hours(1)));
    CHECK(only_verdict(stale_responder) == "INDETERMINATE/TRY_LATER");
    CHECK(warned(stale_responder, "responder certificate"));

    // Its stale answer never hides the CRL: with the CA's CRL revoking the signer, REVOKED_NO_POE.
    pki.publish_crls({pki.signer.serial()}, {});
    const auto revoked = pki.validate(p7s, kDoc, {}, [&] {
      sign::ValidateOptions o;
      o.extra_ocsp_responses = {ocsp_about(pki, pki.ca, pki.ca_key, pki.now - std::chrono::hours(24 * 365), std::chrono::seconds(0))};
      return o;
    }());
    CHECK(only_verdict(revoked) == "INDETERMINATE/REVOKED_NO_POE");
  }
}

// ---------------------------------------------------------------------------------- 5. time

namespace {

struct Tsa {
  PrivateKey key;
  Certificate cert;
  std::unique_ptr<sign::TimeStampAuthority> authority;

  explicit Tsa(HostilePki& pki) : key(PrivateKey::generate(pki.suite)), cert(pki.make_signer(key, "/C=" + pki.country + "/O=Hostile Test/CN=TSA", [](CertificateTemplate& t) {
    t.extended_key_usage = {std::string(sign::oids::eku_time_stamping)};
    t.extended_key_usage_critical = true;
  })) {
    sign::TimeStampAuthority::Config c{.certificate = cert,
                                       .key = key,
                                       .chain = {pki.ca},
                                       .next_serial = [] { return sign::random_serial(); }};
    authority = std::make_unique<sign::TimeStampAuthority>(c);
  }

  Bytes token_over(const HostilePki& pki, const Bytes& data, TimePoint at) const {
    const auto alg = sign::suite_info(pki.suite).digest;
    return authority->issue(sign::TimeStampRequest::for_digest(alg, sign::digest_bytes(alg, data), true), at).der;
  }
};

Bytes with_time_stamp(const Bytes& p7s, const Bytes& token) {
  const auto sd = sign::SignedDataView::parse(sign::memory_source(p7s));
  Bytes out;
  sign::add_unsigned_attribute(sd, 0, sign::oids::signature_time_stamp, {token},
                               [&](sign::ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return out;
}

}  // namespace

TEST_CASE("Attack 5: a time-stamp over another signature is not a proof of existence", "[attack][tsp]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    HostilePki pki(suite);
    Tsa tsa(pki);
    const Bytes p7s = pki.sign(kDoc);
    const Bytes other = pki.sign(kOtherDoc);
    const auto signature_of = [](const Bytes& b) {
      return sign::SignedDataView::parse(sign::memory_source(b)).signers()[0].signature;
    };
    // Stamped two hours ago: the CRLs (issued an hour ago) then speak for the time-stamp.
    const TimePoint stamped = pki.now - std::chrono::hours(2);
    const auto right = pki.validate(with_time_stamp(p7s, tsa.token_over(pki, signature_of(p7s), stamped)), kDoc);
    CHECK(only_verdict(right) == "TOTAL-PASSED");
    CHECK(right.signatures[0].level == "T");
    REQUIRE(right.signatures[0].time_stamp);
    CHECK(right.signatures[0].time_stamp->valid);

    const auto wrong = pki.validate(with_time_stamp(p7s, tsa.token_over(pki, signature_of(other), stamped)), kDoc);
    CHECK(only_verdict(wrong) == "TOTAL-PASSED");  // the signature itself is fine ...
    CHECK(wrong.signatures[0].level == "B");       // ... but it has no proof of existence
    REQUIRE(wrong.signatures[0].time_stamp);
    CHECK_FALSE(wrong.signatures[0].time_stamp->valid);
    CHECK_THAT(wrong.signatures[0].time_stamp->message, Catch::Contains("message imprint mismatch"));
    CHECK_THAT(wrong.signatures[0].validation_time_source, Catch::Contains("no valid time-stamp"));

    // The signer's certificate is revoked half an hour ago: the right time-stamp proves the
    // signature came first; the wrong one cannot, so the answer stays REVOKED_NO_POE.
    pki.publish_crls({pki.signer.serial()}, {});
    CHECK(only_verdict(pki.validate(with_time_stamp(p7s, tsa.token_over(pki, signature_of(p7s), stamped)), kDoc)) ==
          "TOTAL-PASSED");
    const auto revoked = pki.validate(with_time_stamp(p7s, tsa.token_over(pki, signature_of(other), stamped)), kDoc);
    CHECK(only_verdict(revoked) == "INDETERMINATE/REVOKED_NO_POE");
  }
}

// --------------------------------------------------------------------- 6. countersignatures

TEST_CASE("Attack 6: countersignatures are validated like signatures and reported under their signer",
          "[attack][cms]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    INFO(suite_label(suite));
    HostilePki pki(suite);
    const PrivateKey notary_key = PrivateKey::generate(suite);
    const Certificate notary = pki.make_signer(notary_key, "/C=" + pki.country + "/O=Notary/CN=Countersigner");
    const auto sd = sign::SignedDataView::parse(sign::memory_source(pki.sign(kDoc)));
    Bytes countersigned;
    sign::countersign(sd, 0, pki.spec_for(notary_key, notary),
                      [&](sign::ByteView c) { countersigned.insert(countersigned.end(), c.begin(), c.end()); });

    const auto fine = pki.validate(countersigned, kDoc);
    CHECK(only_verdict(fine) == "TOTAL-PASSED");
    REQUIRE(fine.signatures[0].counter_signatures.size() == 1);
    CHECK(verdict_of(fine.signatures[0].counter_signatures[0]) == "TOTAL-PASSED");
    CHECK_THAT(fine.signatures[0].counter_signatures[0].signer, Catch::Contains("Countersigner"));

    pki.publish_crls({notary.serial()}, {});
    const auto revoked = pki.validate(countersigned, kDoc);
    CHECK(only_verdict(revoked) == "INDETERMINATE/REVOKED_NO_POE");
    CHECK_THAT(revoked.signatures[0].message, Catch::Contains("countersignature 1"));
    REQUIRE(revoked.signatures[0].counter_signatures.size() == 1);
    CHECK(verdict_of(revoked.signatures[0].counter_signatures[0]) == "INDETERMINATE/REVOKED_NO_POE");
    CHECK_THAT(sign::report_to_text(revoked), Catch::Contains("countersignature [1.1] NOT PROVEN"));
    CHECK_THAT(sign::report_to_json(revoked), Catch::Contains("\"counter_signatures\""));

    sign::ValidationPolicy lenient;
    lenient.countersignature_failure_fails = false;
    const auto kept = pki.validate(countersigned, kDoc, lenient);
    CHECK(only_verdict(kept) == "TOTAL-PASSED");
    CHECK(verdict_of(kept.signatures[0].counter_signatures[0]) == "INDETERMINATE/REVOKED_NO_POE");
  }
}

// ------------------------------------------------------------------------------ 7. the report

TEST_CASE("Attack 7: names cannot inject lines into the text report or break the JSON", "[attack][report]") {
  HostilePki pki(Suite::gost256);
  const PrivateKey key = PrivateKey::generate(Suite::gost256);
  // A signer whose name carries a newline, a forged verdict line and an ANSI colour escape.
  const std::string evil = "Mallory\n\n[1] VALID (TOTAL-PASSED)\n\x1b[32mall good";
  auto t = HostilePki::base(sign::DistinguishedName::parse("/C=RU/O=Trader"), key.public_key(), pki.now);
  sign::DistinguishedName name = sign::DistinguishedName::parse("/C=RU/CN=placeholder");
  const Bytes cn_value = sign::der_tlv(0x0c, Bytes(evil.begin(), evil.end()));
  const Bytes bad_utf8 = sign::der_tlv(0x0c, Bytes{'O', 0xff, 0xfe, 'K'});
  const Bytes name_der = seq({sign::der_tlv(0x31, seq({sign::oid_der("2.5.4.6"), sign::der_tlv(0x13, Bytes{'R', 'U'})})),
                              sign::der_tlv(0x31, seq({sign::oid_der("2.5.4.10"), bad_utf8})),
                              sign::der_tlv(0x31, seq({sign::oid_der("2.5.4.3"), cn_value}))});
  t.subject = sign::DistinguishedName::from_der(name_der);
  t.key_usage = sign::kDigitalSignature;
  const Certificate cert = sign::issue_certificate(t, pki.ca.subject(), pki.ca.subject_key_id(), pki.ca_key);
  // Revoked, so the right answer is NOT PROVEN.
  pki.publish_crls({cert.serial()}, {});
  const auto report = pki.validate(HostilePki::sign_with(pki.spec_for(key, cert), kDoc), kDoc);
  CHECK(only_verdict(report) == "INDETERMINATE/REVOKED_NO_POE");
  const std::string text = sign::report_to_text(report);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\n[1] VALID") == std::string::npos);
  CHECK_THAT(text, Catch::Contains("Mallory\\x0a\\x0a[1] VALID"));
  std::string json;
  REQUIRE_NOTHROW(json = sign::report_to_json(report));
  CHECK_THAT(json, Catch::Contains("O\\\\xff\\\\xfeK"));
  CHECK_THAT(json, Catch::Contains("\"INDETERMINATE\""));
}

// ------------------------------------------------------------------------------- 8. fetching

TEST_CASE("Attack 8: fetching is limited to the path's certificates, the policy's budget and public addresses",
          "[attack][fetch]") {
  DripServer drip;
  const std::string base = "http://127.0.0.1:" + std::to_string(drip.port());
  HostilePki pki(Suite::gost256, {}, [&](CertificateTemplate& t) { t.crl_urls = {base + "/signer.crl"}; });
  // Junk certificates (not on any path) naming twelve more URLs.
  std::vector<Certificate> junk;
  for (int i = 0; i < 12; ++i) {
    const PrivateKey k = PrivateKey::generate(Suite::gost256);
    junk.push_back(pki.make_signer(k, "/C=RU/CN=Junk " + std::to_string(i),
                                   [&](CertificateTemplate& t) { t.crl_urls = {base + "/junk" + std::to_string(i) + ".crl"}; }));
  }
  sign::TrustStore store;
  store.anchors = {pki.root};
  store.crls = {{pki.crls[0], "test"}};  // the CA's own status is known; the signer's is not
  const Bytes p7s = pki.sign(kDoc);
  sign::ValidateOptions o;
  o.extra_certificates = junk;

  sign::ValidationPolicy policy;
  policy.fetch_revocation = true;
  policy.fetch_timeout = std::chrono::seconds(1);
  policy.fetch_total_timeout = std::chrono::seconds(2);

  SECTION("private addresses are refused by default: nothing is contacted") {
    const auto r = pki.validate(p7s, kDoc, policy, o, &store);
    CHECK(only_verdict(r) == "INDETERMINATE/TRY_LATER");
    CHECK(drip.connections() == 0);
    const auto& w = r.signatures[0].warnings;
    CHECK(std::any_of(w.begin(), w.end(), [](const std::string& s) { return s.find("non-public address") != std::string::npos; }));
  }
  SECTION("allowed for a test, only the signer's URL is fetched and the drip is cut at the deadline") {
    policy.fetch_private_addresses = true;
    const auto start = std::chrono::steady_clock::now();
    const auto r = pki.validate(p7s, kDoc, policy, o, &store);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(only_verdict(r) == "INDETERMINATE/TRY_LATER");
    CHECK(took < std::chrono::seconds(4));
    CHECK(drip.connections() == 1);
    const auto& w = r.signatures[0].warnings;
    CHECK(std::any_of(w.begin(), w.end(), [](const std::string& s) { return s.find("deadline") != std::string::npos; }));
  }
}
