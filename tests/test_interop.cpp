// Details of what national tools and other clients write: OCSP nonces in both forms (echoed
// byte for byte, read either way) and OID variants of real CMS producers.
#include <catch2/catch.hpp>

#include "hostile_pki.hpp"

using namespace testing;

namespace {

Bytes request_with_nonce_value(const HostilePki& pki, const Bytes& extn_value) {
  const Bytes ext = seq({sign::oid_der("1.3.6.1.5.5.7.48.1.2"), sign::der_tlv(0x04, extn_value)});
  const Bytes tbs_content = [&] {
    Bytes c = seq({seq({sign::OcspCertId::of(pki.signer, pki.ca).encode()})});
    const Bytes exts = sign::der_tlv(0xa2, seq({ext}));
    c.insert(c.end(), exts.begin(), exts.end());
    return c;
  }();
  return seq({sign::der_tlv(0x30, tbs_content)});
}

// The response's nonce extnValue, exactly.
Bytes response_nonce_value(const Bytes& response) {
  const auto resp = sign::OcspResponse::parse(response);
  const auto src = sign::memory_source(resp.tbs);
  const auto fields = sign::der_children(*src, sign::read_der_node(*src, 0, src->size()));
  const auto exts = sign::der_child(*src, fields.back(), 0);
  const auto ext = sign::der_child(*src, exts, 0);
  return sign::der_content(*src, sign::der_children(*src, ext).back());
}

}  // namespace

TEST_CASE("The OCSP responder echoes a request nonce byte for byte, in either form", "[ocsp][interop]") {
  HostilePki pki(Suite::gost256);
  sign::OcspResponder responder({pki.ca, pki.ca, pki.ca_key,
                                 [](const std::string&) {
                                   sign::OcspSingleResponse s;
                                   s.status = sign::OcspCertStatus::good;
                                   return std::optional<sign::OcspSingleResponse>(s);
                                 },
                                 std::chrono::seconds(3600)});
  const Bytes nonce{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x10, 0x32};
  SECTION("RFC 8954: an OCTET STRING inside extnValue") {
    const Bytes value = sign::der_tlv(0x04, nonce);
    const Bytes resp = responder.respond(request_with_nonce_value(pki, value), pki.now);
    CHECK(response_nonce_value(resp) == value);
    CHECK(sign::OcspResponse::parse(resp).nonce == nonce);
  }
  SECTION("the older bare form: the nonce bytes are the extnValue") {
    const Bytes resp = responder.respond(request_with_nonce_value(pki, nonce), pki.now);
    CHECK(response_nonce_value(resp) == nonce);  // not wrapped in another OCTET STRING
    CHECK(sign::OcspResponse::parse(resp).nonce == nonce);
  }
  SECTION("no nonce asked, none given") {
    sign::OcspRequest req;
    req.ids.push_back(sign::OcspCertId::of(pki.signer, pki.ca));
    CHECK(sign::OcspResponse::parse(responder.respond(req.encode(), pki.now)).nonce.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// OID variants real producers write (kept here with the other interop details of national tools).

namespace {

// The same SignedData with every digestAlgorithm replaced (the signed attributes untouched).
Bytes with_digest_algorithm(const Bytes& p7s, const Bytes& alg) {
  auto ci = children_of(p7s);                        // type, [0]
  auto sd = children_of(children_of(ci[1])[0]);      // version, digestAlgorithms, encap, [0] certs, signerInfos
  sd[1] = wrap(0x31, {alg});
  std::vector<Bytes> signers;
  for (auto si : children_of(sd.back())) {
    auto f = children_of(si);
    f[2] = alg;
    signers.push_back(wrap(0x30, f));
  }
  sd.back() = wrap(0x31, signers);
  return wrap(0x30, {ci[0], wrap(0xa0, {wrap(0x30, sd)})});
}

}  // namespace

TEST_CASE("SM3 written as 1.2.156.10197.1.401.2 (BJCA, Kinsec) is SM3", "[cms][interop]") {
  HostilePki pki(Suite::sm2);
  const std::string doc = "<Invoice>SM3 alias</Invoice>";
  const Bytes alias = with_digest_algorithm(pki.sign(doc), sign::algorithm_der("1.2.156.10197.1.401.2"));
  const auto report = pki.validate(alias, doc);
  REQUIRE(report.signatures.size() == 1);
  INFO(report.signatures[0].message);
  CHECK(verdict_of(report.signatures[0]) == "TOTAL-PASSED");
  CHECK(report.signatures[0].digest_algorithm == "1.2.156.10197.1.401.2");
  // Another digest under the alias's name is still refused.
  const Bytes wrong = with_digest_algorithm(pki.sign(doc), sign::algorithm_der("1.2.643.7.1.1.2.2"));
  CHECK(verdict_of(pki.validate(wrong, doc).signatures[0]) == "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
}

// ---------------------------------------------------------------------------------------------
// CRLs as RFC 5280 allows them: nextUpdate is optional.

namespace {

// The CA's CRL re-made without nextUpdate, issued at `this_update`, signed again by the CA.
sign::Crl crl_without_next_update(const HostilePki& pki, TimePoint this_update) {
  const sign::Crl made = sign::Crl::create(pki.ca.subject(), pki.ca.subject_key_id(), pki.ca_key, 7, this_update,
                                           this_update + std::chrono::hours(24), {});
  auto top = children_of(made.der());
  auto tbs = children_of(top[0]);
  // version, signature, issuer, thisUpdate, nextUpdate, [0] extensions: drop nextUpdate.
  REQUIRE((tbs[4][0] == 0x17 || tbs[4][0] == 0x18));
  tbs.erase(tbs.begin() + 4);
  const Bytes new_tbs = wrap(0x30, tbs);
  Bytes bits{0x00};
  const Bytes sig = pki.ca_key.sign(new_tbs);
  bits.insert(bits.end(), sig.begin(), sig.end());
  return sign::Crl::from_der(wrap(0x30, {new_tbs, top[1], sign::der_tlv(0x03, bits)}));
}

}  // namespace

TEST_CASE("A CRL without nextUpdate is read, and used within the policy's maximum age", "[crl][interop]") {
  for (Suite suite : {Suite::sm2, Suite::gost256}) {
    CAPTURE(suite_label(suite));
    HostilePki pki(suite);
    const auto fresh = crl_without_next_update(pki, pki.now - std::chrono::hours(1));
    CHECK_FALSE(fresh.next_update().has_value());
    CHECK(fresh.crl_number() == 7u);
    CHECK(fresh.verify_signature(pki.ca.public_key()));
    const std::string doc = "<Invoice>CRL</Invoice>";
    const Bytes p7s = pki.sign(doc);
    auto store_with = [&](const sign::Crl& crl) {
      sign::TrustStore t;
      t.anchors = {pki.root};
      t.crls = {{pki.crls[0], "root"}, {crl, "test"}};
      return t;
    };
    const auto s1 = store_with(fresh);
    CHECK(verdict_of(pki.validate(p7s, doc, {}, {}, &s1).signatures.at(0)) == "TOTAL-PASSED");
    const auto old = crl_without_next_update(pki, pki.now - std::chrono::hours(48));
    const auto s2 = store_with(old);
    CHECK(verdict_of(pki.validate(p7s, doc, {}, {}, &s2).signatures.at(0)) == "INDETERMINATE/TRY_LATER");
  }
}

TEST_CASE("CRL lookups find serials whatever their leading zeros, among many entries", "[crl]") {
  HostilePki pki(Suite::gost256);
  std::vector<sign::RevokedEntry> entries;
  for (std::uint32_t i = 1; i <= 3000; ++i)
    entries.push_back({Bytes{static_cast<std::uint8_t>(i >> 8 | 0x01), static_cast<std::uint8_t>(i & 0xff)}, pki.now,
                       sign::RevocationReason::superseded});
  entries.push_back({Bytes{0x00, 0x80, 0x01}, pki.now, sign::RevocationReason::key_compromise});
  const auto crl = sign::Crl::create(pki.ca.subject(), pki.ca.subject_key_id(), pki.ca_key, 9, pki.now,
                                     pki.now + std::chrono::hours(1), entries);
  const auto parsed = sign::Crl::from_der(crl.der());
  CHECK(parsed.entries().size() == 3001);
  for (const auto& e : entries) {
    const auto* found = parsed.find(e.serial);
    REQUIRE(found);
    CHECK(found->reason == e.reason);
  }
  CHECK(parsed.find(Bytes{0x80, 0x01}));  // the same serial without its leading zero
  CHECK_FALSE(parsed.find(Bytes{0x7f, 0x7f, 0x7f}));
}

TEST_CASE("Real national CRLs (China's SM2 roots, 2022) parse and their signatures verify", "[crl][interop][corpus]") {
  const std::string dir = XSIGN_SOURCE_DIR "/tests/corpus/sm2-gmssl-nrcac/";
  for (const std::string name : {"ROOTCA", "Civil_Servant_ROOT", "Device_ROOT"}) {
    CAPTURE(name);
    const auto crl = sign::Crl::load(dir + "crl_" + name + ".crl");
    const auto root = sign::Certificate::load(dir + "rootca_" + name + ".pem");
    CHECK(crl.issuer() == root.subject());
    CHECK(crl.verify_signature(root.public_key()));
    CHECK(crl.this_update() < sign::parse_time("2022-05-06"));
  }
}
