// The cms module: CAdES-B signatures checked against openssl (cms with the GOST engine;
// pkeyutl with the SM2 ID over our signed attributes), co-signing across suites,
// countersigning, and hostile input.
#include <catch2/catch.hpp>

#include <sign/cms.hpp>
#include <sign/error.hpp>

#include "cms/cms_internal.hpp"
#include "pki_fixture.hpp"
#include "support.hpp"

#include <fstream>

using testing::q;
using testing::xsign;
using Status = sign::SignerCheck::Status;

namespace {

sign::Bytes file_bytes(const std::string& path) {
  const std::string s = testing::read(path);
  return sign::Bytes(s.begin(), s.end());
}

void write_bytes(const std::string& path, const sign::Bytes& b) {
  testing::write(path, std::string(b.begin(), b.end()));
}

std::vector<sign::SignerCheck> check(const std::string& p7s, const std::string& doc = {}) {
  const auto sd = sign::SignedDataView::load(p7s);
  std::optional<sign::Content> content;
  if (!doc.empty()) content = sign::Content::file(doc);
  return sign::check_signatures(sd, content);
}

// Signs with the CLI as a trader would.
void sign_cli(testing::TwoDomains& d, const std::string& domain, const std::string& doc, const std::string& out,
              const std::string& extra = "") {
  d.run_ok("sign " + q(doc) + " --key " + q(d.f(domain + "-trader.key")) + " --cert " +
           q(d.f(domain + "-trader.pem")) + " --chain " + q(d.f(domain + "-issuing.pem")) + " --out " + q(out) + " " +
           extra);
}

std::string openssl_cms_verify(testing::TwoDomains& d, const std::string& p7s, const std::string& doc) {
  return "cms -verify -binary -inform DER -in " + q(p7s) + (doc.empty() ? "" : " -content " + q(doc)) +
         " -CAfile " + q(d.f("ru-root.pem")) + " -out " + q(d.f("cms-out.bin"));
}

}  // namespace

TEST_CASE("GOST signatures verify in openssl cms with the GOST engine, and tampering fails both", "[cms][interop]") {
  testing::TwoDomains d;
  const std::string doc = d.f("contract.xml");
  testing::write(doc, "<Contract><No>SH-MOW-2026/19</No><Amount currency=\"RUB\">98000000</Amount></Contract>\n");

  SECTION("detached") {
    sign_cli(d, "ru", doc, d.f("c.p7s"), "--commitment origin");
    CHECK(testing::openssl_gost(openssl_cms_verify(d, d.f("c.p7s"), doc)).exit_code == 0);
    const auto ours = check(d.f("c.p7s"), doc);
    REQUIRE(ours.size() == 1);
    CHECK(ours[0].ok());
    CHECK(ours[0].signing_certificate_checked);
    CHECK(ours[0].commitment == sign::Commitment::proof_of_origin);

    // One changed byte in the document.
    testing::write(d.f("changed.xml"), testing::read(doc).replace(40, 1, "9"));
    CHECK(testing::openssl_gost(openssl_cms_verify(d, d.f("c.p7s"), d.f("changed.xml"))).exit_code != 0);
    CHECK(check(d.f("c.p7s"), d.f("changed.xml"))[0].status == Status::hash_failure);

    // One changed byte in the signature value (the last bytes of the file).
    auto bytes = file_bytes(d.f("c.p7s"));
    bytes[bytes.size() - 3] ^= 0x10;
    write_bytes(d.f("bad.p7s"), bytes);
    CHECK(testing::openssl_gost(openssl_cms_verify(d, d.f("bad.p7s"), doc)).exit_code != 0);
    CHECK(check(d.f("bad.p7s"), doc)[0].status == Status::signature_failure);
  }
  SECTION("attached") {
    sign_cli(d, "ru", doc, d.f("a.p7s"), "--attach");
    CHECK(testing::openssl_gost(openssl_cms_verify(d, d.f("a.p7s"), "")).exit_code == 0);
    CHECK(testing::read(d.f("cms-out.bin")) == testing::read(doc));
    CHECK(check(d.f("a.p7s"))[0].ok());
    // A byte of the embedded document changed.
    auto bytes = file_bytes(d.f("a.p7s"));
    const std::string text = testing::read(d.f("a.p7s"));
    const auto at = text.find("SH-MOW");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'X';
    write_bytes(d.f("bad.p7s"), bytes);
    CHECK(testing::openssl_gost(openssl_cms_verify(d, d.f("bad.p7s"), "")).exit_code != 0);
    CHECK(check(d.f("bad.p7s"))[0].status == Status::hash_failure);
  }
  SECTION("gost512 signer") {
    d.run_ok("key gen --suite gost512 --no-encrypt --out " + q(d.f("k512.pem")));
    // The Russian CA issues gost256; a 512-bit signer gets a certificate from a 512 test CA.
    const auto key = sign::PrivateKey::load(d.f("k512.pem"), nullptr);
    sign::CertificateTemplate t;
    t.subject = sign::DistinguishedName::parse("/C=RU/CN=GOST 512 signer");
    t.public_key = key.public_key();
    t.not_before = sign::now() - std::chrono::hours(1);
    t.not_after = t.not_before + std::chrono::hours(48);
    t.key_usage = sign::kDigitalSignature | sign::kNonRepudiation;
    t.extended_key_usage = {std::string(sign::oids::eku_email_protection)};
    const auto self = sign::issue_certificate(t, t.subject, {}, key);
    testing::write(d.f("c512.pem"), self.pem());
    d.run_ok("sign " + q(doc) + " --key " + q(d.f("k512.pem")) + " --cert " + q(d.f("c512.pem")) + " --out " +
             q(d.f("s512.p7s")));
    CHECK(testing::openssl_gost("cms -verify -binary -inform DER -in " + q(d.f("s512.p7s")) + " -content " + q(doc) +
                                " -CAfile " + q(d.f("c512.pem")) + " -out " + q(d.f("o")))
              .exit_code == 0);
  }
}

TEST_CASE("Signatures made by openssl cms with the GOST engine verify in xsign", "[cms][interop]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice><ID>RU-CN-7</ID></Invoice>\n");
  const std::string base = "cms -sign -binary -in " + q(doc) + " -signer " + q(d.f("ru-trader.pem")) + " -inkey " +
                           q(d.f("ru-trader.key")) + " -md md_gost12_256 -outform DER ";
  REQUIRE(testing::openssl_gost(base + "-out " + q(d.f("o.p7s"))).exit_code == 0);
  REQUIRE(testing::openssl_gost(base + "-nodetach -out " + q(d.f("oa.p7s"))).exit_code == 0);

  auto detached = check(d.f("o.p7s"), doc);
  REQUIRE(detached.size() == 1);
  INFO(detached[0].message);
  CHECK(detached[0].ok());
  CHECK(detached[0].signature_oid == "1.2.643.7.1.1.1.1");  // the engine's key-OID convention
  CHECK(check(d.f("oa.p7s"))[0].ok());

  testing::write(d.f("other.xml"), "<Invoice><ID>RU-CN-8</ID></Invoice>\n");
  CHECK(check(d.f("o.p7s"), d.f("other.xml"))[0].status == Status::hash_failure);
  // Through the CLI: inspect reports the failure and exits 1.
  const auto r = xsign("inspect " + q(d.f("o.p7s")) + " --content " + q(d.f("other.xml")));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("HASH_FAILURE"));
}

TEST_CASE("SM2 signatures verify with openssl pkeyutl over our signed attributes", "[cms][interop]") {
  testing::TwoDomains d;
  const std::string doc = d.f("origin.xml");
  testing::write(doc, "<CertificateOfOrigin><No>CCPIT-SH-2026-88</No></CertificateOfOrigin>\n");
  sign_cli(d, "cn", doc, d.f("s.p7s"));
  const auto sd = sign::SignedDataView::load(d.f("s.p7s"));
  REQUIRE(sd.signers().size() == 1);
  const auto& si = sd.signers()[0];
  CHECK(si.signature_oid == "1.2.156.10197.1.501");
  CHECK(si.digest_oid == "1.2.156.10197.1.401");
  write_bytes(d.f("attrs.der"), si.signed_attrs_der);
  write_bytes(d.f("sig.der"), si.signature);
  const auto cert = sd.find_signer_certificate(si);
  REQUIRE(cert);
  testing::write(d.f("pub.pem"), cert->public_key().to_pem());
  const std::string verify = "pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
                             q(d.f("pub.pem")) + " -in " + q(d.f("attrs.der")) + " -sigfile " + q(d.f("sig.der"));
  CHECK(testing::openssl_plain(verify).exit_code == 0);
  // The messageDigest attribute is the SM3 of the document, as openssl computes it.
  const auto sm3 = testing::openssl_plain("dgst -sm3 -r " + q(doc));
  REQUIRE(sm3.exit_code == 0);
  const auto* md = si.signed_attr(sign::cms_detail::oid::message_digest);
  REQUIRE(md);
  CHECK(sign::to_hex(md->values[0]).substr(4) == sm3.out.substr(0, 64));
  CHECK(check(d.f("s.p7s"), doc)[0].ok());

  // A changed attribute byte breaks openssl's check too.
  sign::Bytes attrs = si.signed_attrs_der;
  attrs[attrs.size() - 1] ^= 0x01;
  write_bytes(d.f("attrs.der"), attrs);
  CHECK(testing::openssl_plain(verify).exit_code != 0);

  SECTION("GM/T 0010 OIDs on request, accepted on input") {
    sign_cli(d, "cn", doc, d.f("gm.p7s"), "--gm-oids");
    const auto gm = sign::SignedDataView::load(d.f("gm.p7s"));
    CHECK(gm.oid_style() == sign::OidStyle::gmt);
    CHECK(gm.econtent_type() == "1.2.156.10197.6.1.4.2.1");
    CHECK(gm.signers()[0].signature_oid == "1.2.156.10197.1.301.1");
    CHECK(testing::openssl_plain("asn1parse -inform DER -in " + q(d.f("gm.p7s"))).out.find("1.2.156.10197.6.1.4.2.2") !=
          std::string::npos);
    CHECK(check(d.f("gm.p7s"), doc)[0].ok());
  }
}

TEST_CASE("An SM2 exporter and a GOST importer sign the same contract, and each verifies on its own",
          "[cms][interop]") {
  testing::TwoDomains d;
  const std::string doc = d.f("contract.pdf");
  testing::write(doc, std::string(100000, 'P'));
  sign_cli(d, "cn", doc, d.f("contract.pdf.p7s"), "--commitment origin");
  d.run_ok("cosign " + q(d.f("contract.pdf.p7s")) + " --key " + q(d.f("ru-trader.key")) + " --cert " +
           q(d.f("ru-trader.pem")) + " --chain " + q(d.f("ru-issuing.pem")) + " --commitment approval");
  auto both = check(d.f("contract.pdf.p7s"), doc);
  REQUIRE(both.size() == 2);
  CHECK(both[0].ok());
  CHECK(both[0].suite == sign::Suite::sm2);
  CHECK(both[1].ok());
  CHECK(both[1].suite == sign::Suite::gost256);
  // openssl cms cannot check a file that also holds an SM2 signer under the GOST engine, so
  // the GOST co-signature is checked independently over its signed attributes.
  const auto sd = sign::SignedDataView::load(d.f("contract.pdf.p7s"));
  const auto& gost = sd.signers()[1];
  write_bytes(d.f("attrs.der"), gost.signed_attrs_der);
  sign::Bytes sig = gost.signature;
  write_bytes(d.f("sig.bin"), sig);
  testing::write(d.f("pub.pem"), sd.find_signer_certificate(gost)->public_key().to_pem());
  CHECK(testing::openssl_gost("dgst -md_gost12_256 -verify " + q(d.f("pub.pem")) + " -signature " + q(d.f("sig.bin")) +
                              " " + q(d.f("attrs.der")))
            .exit_code == 0);

  SECTION("altering one signer's signature does not disturb the other's result") {
    auto bytes = file_bytes(d.f("contract.pdf.p7s"));
    const std::string hay(bytes.begin(), bytes.end());
    const std::string needle(sd.signers()[0].signature.begin(), sd.signers()[0].signature.end());
    const auto at = hay.find(needle);
    REQUIRE(at != std::string::npos);
    bytes[at + 10] ^= 0x01;
    write_bytes(d.f("bad.p7s"), bytes);
    const auto r = check(d.f("bad.p7s"), doc);
    CHECK(r[0].status == Status::signature_failure);
    CHECK(r[1].ok());
  }
  SECTION("removing one signer leaves the other valid") {
    sign::cms_detail::SignedDataParts p;
    p.digest_algorithms = sd.digest_algorithm_ders();
    p.econtent_type = sd.econtent_type();
    p.certificates.assign(sd.certificate_ders().begin(), sd.certificate_ders().end());
    p.signer_infos = {sd.signers()[1].der};
    sign::Bytes out;
    sign::cms_detail::write_signed_data(p, [&](sign::ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
    write_bytes(d.f("one.p7s"), out);
    const auto r = check(d.f("one.p7s"), doc);
    REQUIRE(r.size() == 1);
    CHECK(r[0].ok());
    CHECK(r[0].suite == sign::Suite::gost256);
  }
  SECTION("co-signing a different document is refused") {
    testing::write(d.f("other.pdf"), std::string(100000, 'Q'));
    const auto r = xsign("cosign " + q(d.f("contract.pdf.p7s")) + " --content " + q(d.f("other.pdf")) + " --key " +
                         q(d.f("cn-trader.key")) + " --cert " + q(d.f("cn-trader.pem")));
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("is not the one signer 1 signed"));
  }
}

TEST_CASE("A countersignature covers the chosen signature and keeps every signature valid", "[cms][interop]") {
  testing::TwoDomains d;
  const std::string doc = d.f("doc.txt");
  testing::write(doc, "bill of lading 42");
  sign_cli(d, "ru", doc, d.f("doc.txt.p7s"));
  d.run_ok("countersign " + q(d.f("doc.txt.p7s")) + " --signer 1 --key " + q(d.f("cn-trader.key")) + " --cert " +
           q(d.f("cn-trader.pem")));
  const auto r = check(d.f("doc.txt.p7s"), doc);
  REQUIRE(r.size() == 1);
  CHECK(r[0].ok());
  REQUIRE(r[0].counter_signatures.size() == 1);
  CHECK(r[0].counter_signatures[0].ok());
  CHECK(r[0].counter_signatures[0].suite == sign::Suite::sm2);
  // The GOST signature itself is untouched: openssl cms still verifies it.
  CHECK(testing::openssl_gost(openssl_cms_verify(d, d.f("doc.txt.p7s"), doc)).exit_code == 0);
  const auto json = xsign("inspect --json " + q(d.f("doc.txt.p7s")));
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"counter_signatures\": [") && Catch::Contains("Li Wei"));
  CHECK(xsign("countersign " + q(d.f("doc.txt.p7s")) + " --signer 5 --key " + q(d.f("cn-trader.key")) + " --cert " +
              q(d.f("cn-trader.pem")))
            .exit_code == 64);
}

TEST_CASE("sign writes DOC.p7s beside the document and never overwrites it silently", "[cms][cli]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice/>");
  const std::string args = " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem"));
  REQUIRE(xsign("sign " + q(doc) + args).exit_code == 0);
  CHECK(std::filesystem::exists(doc + ".p7s"));
  const auto again = xsign("sign " + q(doc) + args);
  CHECK(again.exit_code == 64);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("cosign"));
  CHECK(xsign("sign " + q(doc) + args + " --force --pem").exit_code == 0);
  CHECK_THAT(testing::read(doc + ".p7s"), Catch::StartsWith("-----BEGIN CMS-----"));
  CHECK(xsign("inspect " + q(doc + ".p7s")).exit_code == 0);  // PEM read back, content found beside it
  const auto wrong_key = xsign("sign " + q(doc) + " --key " + q(d.f("cn-trader.key")) + " --cert " +
                               q(d.f("ru-trader.pem")) + " --out " + q(d.f("x.p7s")));
  CHECK(wrong_key.exit_code == 64);
  CHECK_THAT(wrong_key.err, Catch::Contains("does not belong to the certificate"));
  CHECK_FALSE(std::filesystem::exists(d.f("x.p7s")));
}

TEST_CASE("Hostile SignedData input gives a clear error, never a crash", "[cms]") {
  testing::TwoDomains d;
  const std::string doc = d.f("doc.txt");
  testing::write(doc, "hello");
  sign_cli(d, "ru", doc, d.f("s.p7s"));
  const sign::Bytes good = file_bytes(d.f("s.p7s"));
  auto parse = [](sign::Bytes b) { return sign::SignedDataView::parse(sign::memory_source(std::move(b))); };
  REQUIRE_NOTHROW(parse(good));

  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); n += 13) CHECK_THROWS_AS(parse(sign::Bytes(good.begin(), good.begin() + n)), sign::FormatError);
  }
  SECTION("trailing garbage") {
    sign::Bytes b = good;
    b.push_back(0);
    CHECK_THROWS_AS(parse(b), sign::FormatError);
  }
  SECTION("wrong outer tag") {
    sign::Bytes b = good;
    b[0] = 0x31;
    CHECK_THROWS_AS(parse(b), sign::FormatError);
  }
  SECTION("indefinite length without its end-of-contents octets") {
    CHECK_THROWS_WITH(parse(sign::from_hex("3080060b2a864886f70d0107020000")), Catch::Contains("end-of-contents"));
  }
  SECTION("huge length fields") {
    CHECK_THROWS_AS(parse(sign::from_hex("3088ffffffffffffffff")), sign::FormatError);
    CHECK_THROWS_AS(parse(sign::from_hex("308900")), sign::FormatError);
    CHECK_THROWS_AS(parse(sign::from_hex("3084ffffff000000")), sign::FormatError);
  }
  SECTION("nesting 10,000 deep") {
    sign::Bytes b;
    for (int i = 0; i < 10000; ++i) {
      sign::Bytes outer = sign::der_header(0x30, b.size());
      outer.insert(outer.end(), b.begin(), b.end());
      b.swap(outer);
    }
    CHECK_THROWS_AS(parse(b), sign::FormatError);
  }
  SECTION("random byte flips never crash") {
    std::uint32_t seed = 12345;
    for (int i = 0; i < 300; ++i) {
      sign::Bytes b = good;
      seed = seed * 1103515245 + 12345;
      b[seed % b.size()] ^= static_cast<std::uint8_t>(1 + (seed >> 16) % 255);
      try {
        const auto sd = parse(b);
        (void)sign::check_signatures(sd, sign::Content::file(doc));
      } catch (const sign::Error&) {
        // a clear error is the expected outcome for most flips
      }
    }
  }
  SECTION("unknown algorithms are reported, not crashed on") {
    // Replace the digest OID of the signer (Streebog-256 -> an unknown arc) everywhere.
    std::string s(good.begin(), good.end());
    const auto oid = sign::cms_detail::oid_der("1.2.643.7.1.1.2.2");
    const std::string needle(oid.begin(), oid.end());
    std::string replaced = needle;
    replaced.back() = 0x7f;
    for (auto at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) s.replace(at, needle.size(), replaced);
    const auto sd = parse(sign::Bytes(s.begin(), s.end()));
    const auto r = sign::check_signatures(sd, sign::Content::file(doc));
    CHECK(r[0].status == Status::unsupported_algorithm);
  }
  SECTION("garbage files through the CLI") {
    testing::write(d.f("junk.p7s"), "not a signature at all");
    const auto r = xsign("inspect " + q(d.f("junk.p7s")) + " --content " + q(doc));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("junk.p7s"));
  }
}

TEST_CASE("A large attached document is streamed through signing and checking", "[cms]") {
  testing::TwoDomains d;
  const std::string doc = d.f("big.bin");
  {
    std::ofstream out(doc, std::ios::binary);
    std::string block(1 << 20, 'x');
    for (int i = 0; i < 48; ++i) {
      block[0] = static_cast<char>(i);
      out << block;
    }
  }
  sign_cli(d, "cn", doc, d.f("big.p7s"), "--attach");
  const auto sd = sign::SignedDataView::load(d.f("big.p7s"));
  REQUIRE(sd.attached());
  CHECK(sd.attached_content()->source->size() == 48u << 20);
  CHECK(sign::check_signatures(sd, std::nullopt)[0].ok());
}

TEST_CASE("A sink that signs again while it receives a signature gets two whole signatures", "[cms]") {
  // write_signed_data keeps its output buffer for the thread's next signature: a signature
  // made from inside the sink (a caller signing a receipt as it stores the first) must not
  // write into the buffer the outer one is still handing out.
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice>42</Invoice>");
  const sign::SignerSpec spec{sign::PrivateKey::load(d.f("ru-trader.key"), nullptr), sign::Certificate::load(d.f("ru-trader.pem")),
                              {sign::Certificate::load(d.f("ru-issuing.pem"))}, {}, sign::Commitment::none, sign::now()};
  sign::Bytes outer, inner;
  bool nested = false;
  sign::sign_document(sign::Content::file(doc), spec, {}, [&](sign::ByteView c) {
    if (!nested) {
      nested = true;
      sign::sign_document(sign::Content::file(doc), spec, {},
                          [&](sign::ByteView i) { inner.insert(inner.end(), i.begin(), i.end()); });
    }
    outer.insert(outer.end(), c.begin(), c.end());
  });
  REQUIRE(nested);
  for (const sign::Bytes* p7s : {&outer, &inner}) {
    const auto sd = sign::SignedDataView::parse(sign::memory_source(*p7s));
    REQUIRE(sd.certificate_ders().size() == 2);
    const auto r = sign::check_signatures(sd, sign::Content::file(doc));
    REQUIRE(r.size() == 1);
    CHECK(r[0].ok());
  }
  CHECK(outer != inner);  // two signatures (their signing times or random k differ), each whole
}

namespace {

// A document whose reading fails halfway (a file cut off, a disk error).
class FailingSource final : public sign::ByteSource {
 public:
  std::uint64_t size() const override { return 1 << 20; }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    if (offset >= (1 << 19)) throw sign::IoError("the document could not be read past 512 KiB");
    std::fill(out.begin(), out.end(), std::uint8_t{0x61});
  }
};

}  // namespace

TEST_CASE("A document that fails to read halfway leaves no trace in the next document's digest", "[cms]") {
  // digest_content keeps one digest per algorithm and thread: a failure must not leave the
  // bytes read so far in it.
  const sign::Content failing{std::make_shared<FailingSource>()};
  const sign::Content abc = sign::Content::bytes(sign::Bytes{'a', 'b', 'c'});
  for (const auto alg : {sign::DigestAlgorithm::sha256, sign::DigestAlgorithm::sm3, sign::DigestAlgorithm::streebog256,
                         sign::DigestAlgorithm::streebog512}) {
    CAPTURE(sign::digest_name(alg));
    const sign::Bytes fresh = sign::digest_bytes(alg, sign::Bytes{'a', 'b', 'c'});
    CHECK(sign::digest_content(abc, alg) == fresh);
    CHECK_THROWS_AS(sign::digest_content(failing, alg), sign::IoError);
    CHECK(sign::digest_content(abc, alg) == fresh);
    CHECK(sign::digest_content(abc, alg) == fresh);
  }
  // And the value itself, against the FIPS 180-2 example.
  CHECK(sign::to_hex(sign::digest_content(abc, sign::DigestAlgorithm::sha256)) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
