// The xades module: XML signatures in every suite and placement checked by independent
// verifiers (Apache Santuario with BouncyCastle, xmlsec1 with OpenSSL), signatures those tools
// make verified by xsign, the long-term levels, XML signature wrapping variants, and hostile XML.
#include <catch2/catch.hpp>

#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/tsp.hpp>
#include <sign/xades.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <chrono>
#include <filesystem>

using testing::q;
using testing::xsign;
using Status = sign::SignerCheck::Status;

namespace {

const std::string kJavaClasspath =
    "/usr/share/java/xmlsec.jar:/usr/share/java/bcprov.jar:/usr/share/java/bcutil.jar:/usr/share/java/commons-codec.jar:"
    "/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar";

// `files`: quoted paths, separated by spaces.
testing::CommandResult santuario_all(const std::string& files) {
  return testing::run("java -cp " + kJavaClasspath + " " XSIGN_SOURCE_DIR "/tests/interop/SantuarioVerify.java" + files);
}
testing::CommandResult santuario(const std::string& file) { return santuario_all(" " + q(file)); }

// Run in the file's folder: a detached reference names the document relative to it.
testing::CommandResult xmlsec1(const std::string& file, const std::string& trusted, const std::string& extra = "") {
  return testing::run("cd " + q(std::filesystem::path(file).parent_path().string()) + " && xmlsec1 --verify " + trusted +
                      " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' --id-attr:Id Object " + extra +
                      " " + q(file));
}

std::vector<sign::XmlSignatureCheck> check(const std::string& file, const std::string& document = {},
                                           bool allow_partial = false) {
  std::optional<sign::Content> doc;
  if (!document.empty()) doc = sign::Content::file(document);
  sign::XmlCheckOptions o;
  o.allow_partial = allow_partial;
  return sign::check_xml_signatures(sign::read_file(file), file, doc, o);
}

std::vector<sign::XmlSignatureCheck> check_text(const std::string& xml, bool allow_partial = false) {
  sign::XmlCheckOptions o;
  o.allow_partial = allow_partial;
  return sign::check_xml_signatures(sign::Bytes(xml.begin(), xml.end()), "test.xml", std::nullopt, o);
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

const std::string kInvoice =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- invoice -->\n"
    "<inv:Invoice xmlns:inv=\"urn:example:invoice\" Id=\"inv\">\n"
    "  <inv:No>SH-MOW-2026-0042</inv:No>\n"
    "  <inv:Amount currency=\"CNY\">1440000.00</inv:Amount>\n"
    "  <inv:Seller>Shanghai Precision Machinery &amp; Co.</inv:Seller>\n"
    "</inv:Invoice>\n";

// Both national PKIs, plus a GOST-512 signer and a P-256 partner (certified by openssl).
struct Signers : testing::TwoDomains {
  Signers() {
    // The Russian domain's profile issues GOST-256 only: a GOST-512 signer certified by OpenSSL.
    REQUIRE(testing::openssl_gost("req -x509 -newkey gost2012_512 -pkeyopt paramset:A -nodes -keyout " +
                                  q(f("ru512-trader.key")) + " -out " + q(f("ru512-trader.pem")) +
                                  " -subj '/C=RU/O=OOO Volga Stanki/CN=Olga Sidorova' -days 30 -md_gost12_512")
                .exit_code == 0);
    REQUIRE(testing::openssl_plain("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                                   q(f("p256-trader.key")) + " -out " + q(f("p256-trader.pem")) +
                                   " -subj '/C=DE/O=Partner GmbH/CN=Anna Schmidt' -days 30")
                .exit_code == 0);
    testing::write(f("invoice.xml"), kInvoice);
  }
  std::string signer(const std::string& who) const {
    return " --key " + q(f(who + "-trader.key")) + " --cert " + q(f(who + "-trader.pem"));
  }
  void sign(const std::string& who, const std::string& doc, const std::string& out, const std::string& extra = "") {
    run_ok("sign " + q(doc) + " --format xades" + signer(who) + " --out " + q(out) + " " + extra);
  }
};

}  // namespace

TEST_CASE("XAdES in every suite and placement verifies in Apache Santuario with BouncyCastle, and a changed byte fails both",
          "[xades][interop]") {
  Signers d;
  struct Made {
    std::string out, doc;
    bool detached;
  };
  std::vector<Made> made;
  std::string files;
  for (const std::string who : {"ru", "ru512", "cn", "p256"})
    for (const std::string placement : {"--enveloped", "--enveloping", "--detached"}) {
      INFO(who << " " << placement);
      Made m{d.f(who + placement + ".xml"), d.f(who + placement + "-invoice.xml"), placement == "--detached"};
      testing::write(m.doc, kInvoice);
      d.sign(who, m.doc, m.out, placement);
      const auto ours = check(m.out, m.detached ? m.doc : "");
      REQUIRE(ours.size() == 1);
      CHECK(ours[0].check.status == Status::valid);
      CHECK(ours[0].check.signing_certificate_checked);
      CHECK(ours[0].is_xades);
      made.push_back(m);
      files += " " + q(m.out);
    }
  // One JVM checks them all: a line per file.
  const auto java = santuario_all(files);
  INFO(java.out << java.err);
  CHECK(java.exit_code == 0);
  for (const auto& m : made) CHECK_THAT(java.out, Catch::Contains(m.out + ": OK 1"));

  // One changed figure in each signed invoice.
  for (const auto& m : made) {
    const std::string target = m.detached ? m.doc : m.out;
    std::string text = testing::read(target);
    replace_once(text, "1440000.00", "1940000.00");
    testing::write(target, text);
    INFO(m.out);
    CHECK(check(m.out, m.detached ? m.doc : "")[0].check.status == Status::hash_failure);
  }
  const auto tampered = santuario_all(files);
  CHECK(tampered.exit_code != 0);
  for (const auto& m : made) CHECK_THAT(tampered.out, Catch::Contains(m.out + ": FAIL 1"));
}

TEST_CASE("xmlsec1 (OpenSSL) verifies xsign's P-256 XAdES in each placement and both parallel signatures",
          "[xades][interop]") {
  Signers d;
  const std::string doc = d.f("invoice.xml");
  for (const std::string placement : {"--enveloped", "--enveloping", "--detached"}) {
    const std::string out = d.f("p" + placement + ".xml");
    d.sign("p256", doc, out, placement);
    const auto r = xmlsec1(out, "--trusted-pem " + q(d.f("p256-trader.pem")));
    INFO(placement << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out + r.err, Catch::Contains("OK"));
  }
  // Two parties: the first signs for parallel signatures, the second co-signs in place.
  REQUIRE(testing::openssl_plain("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                                 q(d.f("bank.key")) + " -out " + q(d.f("bank.pem")) + " -subj '/C=FR/O=Bank/CN=Bob' -days 30")
              .exit_code == 0);
  const std::string both = d.f("both.xml");
  d.sign("p256", doc, both, "--parallel");
  d.run_ok("cosign " + q(both) + " --key " + q(d.f("bank.key")) + " --cert " + q(d.f("bank.pem")));
  const auto ours = check(both);
  REQUIRE(ours.size() == 2);
  CHECK(ours[0].check.status == Status::valid);
  CHECK(ours[1].check.status == Status::valid);
  CHECK_THAT(ours[0].signed_objects.at(0), Catch::Contains("except its signatures"));
  for (const std::string n : {"1", "2"}) {
    const auto r = xmlsec1(both, "--trusted-pem " + q(d.f("p256-trader.pem")) + " --trusted-pem " + q(d.f("bank.pem")),
                           "--node-xpath \"(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/"
                           "xmldsig#'])[" + n + "]\"");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }
  CHECK(santuario(both).exit_code == 0);

  SECTION("co-signing a document whose signature covers everything is refused, not broken") {
    d.sign("p256", doc, d.f("single.xml"));
    const auto r = xsign("cosign " + q(d.f("single.xml")) + " --key " + q(d.f("bank.key")) + " --cert " + q(d.f("bank.pem")));
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("--parallel"));
    CHECK(check(d.f("single.xml"))[0].check.status == Status::valid);
  }
}

TEST_CASE("A XAdES signature xmlsec1 makes from a template verifies in xsign, bound to its certificate",
          "[xades][interop]") {
  Signers d;
  const auto cert = sign::Certificate::load(d.f("p256-trader.pem"));
  const auto digest = sign::digest_bytes(sign::DigestAlgorithm::sha256, cert.der());
  std::string b64 = testing::run("printf %s " + sign::to_hex(digest) + " | xxd -r -p | base64 -w0").out;
  const std::string tmpl =
      "<?xml version=\"1.0\"?>\n<Invoice xmlns=\"urn:example:invoice\"><No>7</No>"
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"S1\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
      "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
      "<ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" URI=\"#SP1\"><ds:Transforms>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
      "</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>"
      "<ds:Object><xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Target=\"#S1\">"
      "<xades:SignedProperties Id=\"SP1\"><xades:SignedSignatureProperties>"
      "<xades:SigningTime>2026-12-01T10:00:00.250+03:00</xades:SigningTime><xades:SigningCertificateV2><xades:Cert>"
      "<xades:CertDigest><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>" +
      b64 +
      "</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties>"
      "</xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature></Invoice>\n";
  testing::write(d.f("tmpl.xml"), tmpl);
  const auto r = testing::run("xmlsec1 --sign --privkey-pem " + q(d.f("p256-trader.key")) + "," + q(d.f("p256-trader.pem")) +
                              " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' --output " +
                              q(d.f("by-xmlsec1.xml")) + " " + q(d.f("tmpl.xml")));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto ours = check(d.f("by-xmlsec1.xml"));
  REQUIRE(ours.size() == 1);
  CHECK(ours[0].check.status == Status::valid);
  CHECK(ours[0].check.signing_certificate_checked);
  REQUIRE(ours[0].check.signing_time);
  CHECK(sign::format_time(*ours[0].check.signing_time) == "2026-12-01T07:00:00Z");
  CHECK(ours[0].check.certificate->subject().to_string() == cert.subject().to_string());
  // And a changed invoice number is caught.
  std::string text = testing::read(d.f("by-xmlsec1.xml"));
  replace_once(text, "<No>7</No>", "<No>8</No>");
  testing::write(d.f("by-xmlsec1.xml"), text);
  CHECK(check(d.f("by-xmlsec1.xml"))[0].check.status == Status::hash_failure);
}

TEST_CASE("XML signature wrapping: every variant is refused with where the signed element really is", "[xades][attacks]") {
  Signers d;
  // A signature over the invoice by Id (URI="#inv"), as SOAP-era tools make them (xmlsec1 here).
  const std::string by_id =
      "<?xml version=\"1.0\"?>\n<inv:Invoice xmlns:inv=\"urn:example:invoice\" Id=\"inv\"><inv:Amount>100</inv:Amount>"
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
      "<ds:Reference URI=\"#inv\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
      "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
      "</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature></inv:Invoice>\n";
  testing::write(d.f("byid-tmpl.xml"), by_id);
  REQUIRE(testing::run("xmlsec1 --sign --privkey-pem " + q(d.f("p256-trader.key")) + "," + q(d.f("p256-trader.pem")) +
                       " --id-attr:Id Invoice --output " + q(d.f("byid.xml")) + " " + q(d.f("byid-tmpl.xml")))
              .exit_code == 0);
  const std::string signed_doc = testing::read(d.f("byid.xml"));
  // Plain XMLDSig, valid, covering the whole document through the root's Id.
  const auto good = check_text(signed_doc);
  REQUIRE(good.size() == 1);
  CHECK(good[0].check.status == Status::valid);
  CHECK_THAT(good[0].signed_objects.at(0), Catch::Contains("the whole document /inv:Invoice"));

  const auto sig_start = signed_doc.find("<ds:Signature");
  const auto sig_end = signed_doc.find("</ds:Signature>") + std::string("</ds:Signature>").size();
  const std::string signature = signed_doc.substr(sig_start, sig_end - sig_start);
  const std::string original =
      "<inv:Invoice xmlns:inv=\"urn:example:invoice\" Id=\"inv\"><inv:Amount>100</inv:Amount></inv:Invoice>";

  SECTION("the original moved into the signature's Object, a forged invoice as the document") {
    std::string sig = signature;
    replace_once(sig, "</ds:KeyInfo>", "</ds:KeyInfo><ds:Object>" + original + "</ds:Object>");
    const auto r = check_text("<inv:Invoice xmlns:inv=\"urn:example:invoice\" Id=\"evil\"><inv:Amount>999999</inv:Amount>" +
                              sig + "</inv:Invoice>");
    CHECK(r[0].check.status == Status::format_error);
    CHECK_THAT(r[0].check.message, Catch::Contains("names element /inv:Invoice/ds:Signature/ds:Object/inv:Invoice") &&
                                       Catch::Contains("wrapping"));
  }
  SECTION("the original moved into a header, a forged body shown instead") {
    const auto r = check_text("<Envelope><Header>" + original + "</Header><Body><inv:Invoice xmlns:inv=\"urn:example:invoice\">"
                              "<inv:Amount>999999</inv:Amount></inv:Invoice></Body>" + signature + "</Envelope>");
    CHECK(r[0].check.status == Status::format_error);
    CHECK_THAT(r[0].check.message, Catch::Contains("names element /Envelope/Header/inv:Invoice"));
  }
  SECTION("a signature over one element: refused by default, reported exactly when the policy allows it") {
    testing::write(d.f("part-tmpl.xml"),
                   "<?xml version=\"1.0\"?>\n<Invoice><Lines Id=\"part\"><Amount>100</Amount></Lines><Note>unsigned</Note>"
                   "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
                   "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
                   "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
                   "<ds:Reference URI=\"#part\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
                   "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/>"
                   "</ds:KeyInfo></ds:Signature></Invoice>\n");
    REQUIRE(testing::run("xmlsec1 --sign --privkey-pem " + q(d.f("p256-trader.key")) + "," + q(d.f("p256-trader.pem")) +
                         " --id-attr:Id Lines --output " + q(d.f("part.xml")) + " " + q(d.f("part-tmpl.xml")))
                .exit_code == 0);
    const auto refused = check(d.f("part.xml"));
    CHECK(refused[0].check.status == Status::format_error);
    CHECK_THAT(refused[0].check.message, Catch::Contains("covers only element /Invoice/Lines"));
    const auto allowed = check(d.f("part.xml"), "", true);
    CHECK(allowed[0].check.status == Status::valid);
    CHECK(allowed[0].signed_objects == std::vector<std::string>{"only element /Invoice/Lines (URI '#part')"});
  }
  SECTION("two elements with the signed Id") {
    std::string forged = signed_doc;
    replace_once(forged, "<inv:Amount>100</inv:Amount>", "<inv:Amount>100</inv:Amount><x Id=\"inv\">999999</x>");
    const auto r = check_text(forged);
    CHECK(r[0].check.status == Status::format_error);
    CHECK_THAT(r[0].check.message, Catch::Contains("names 2 elements"));
  }
  SECTION("an XPointer reference") {
    std::string forged = signed_doc;
    replace_once(forged, "URI=\"#inv\"", "URI=\"#xpointer(id('inv'))\"");
    CHECK_THAT(check_text(forged)[0].check.message, Catch::Contains("XPointer forms are refused"));
  }
  SECTION("an XSLT or XPath transform") {
    std::string forged = signed_doc;
    replace_once(forged, "http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/TR/1999/REC-xslt-19991116");
    CHECK_THAT(check_text(forged)[0].check.message, Catch::Contains("is not allowed"));
  }
  SECTION("the SignedProperties reference pointed at forged properties elsewhere") {
    d.sign("p256", d.f("invoice.xml"), d.f("x.xml"));
    std::string text = testing::read(d.f("x.xml"));
    // A forged SignedProperties with the signed Id before the signature, the real one renamed.
    const std::string marker = "<xades:SignedProperties Id=\"";
    const auto id_start = text.find(marker) + marker.size();
    const std::string id = text.substr(id_start, text.find('"', id_start) - id_start);
    replace_once(text, "Id=\"" + id + "\"", "Id=\"" + id + "-moved\"");
    replace_once(text, "<ds:Signature", "<xades:SignedProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Id=\"" + id +
                                            "\"/><ds:Signature");
    const auto r = check_text(text);
    CHECK(r[0].check.status == Status::format_error);
    CHECK_THAT(r[0].check.message, Catch::Contains("not point at this signature's own SignedProperties"));
  }
  SECTION("content hidden in an extra ds:Signature of a parallel signature") {
    d.sign("p256", d.f("invoice.xml"), d.f("par.xml"), "--parallel");
    const std::string hidden = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><inv:Note>pay to account "
                               "666</inv:Note></ds:Signature>";
    // Deep in the content: the real signature refuses to exclude it.
    std::string deep = testing::read(d.f("par.xml"));
    replace_once(deep, "1440000.00</inv:Amount>", "1440000.00" + hidden + "</inv:Amount>");
    const auto r = check_text(deep);
    REQUIRE(r.size() == 2);
    CHECK(r[1].check.status == Status::format_error);
    CHECK_THAT(r[1].check.message, Catch::Contains("/inv:Invoice/inv:Amount/ds:Signature") &&
                                       Catch::Contains("inside the document's content"));
    // Beside the signatures: it is a signature of the document, and not a valid one.
    std::string beside = testing::read(d.f("par.xml"));
    replace_once(beside, "<inv:No>", hidden + "<inv:No>");
    const auto b = check_text(beside);
    REQUIRE(b.size() == 2);
    CHECK(b[0].check.status == Status::format_error);
    CHECK(b[1].check.status == Status::valid);
    testing::write(d.f("beside.xml"), beside);
    CHECK(xsign("verify " + q(d.f("beside.xml")) + " --trust " + q(d.f("p256-trader.pem")) + " --offline").exit_code == 1);
  }
}

TEST_CASE("Hostile XML gets a clear error, never an entity expansion, a file read or a crash", "[xades][attacks]") {
  Signers d;
  const auto refused = [&](const std::string& xml, const std::string& expect) {
    testing::write(d.f("hostile.xml"), xml);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = xsign("verify " + q(d.f("hostile.xml")) + " --trust " + q(d.f("ru-root.pem")) + " --offline --json");
    INFO(xml.substr(0, 200) << "\n" << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("FORMAT_FAILURE") && Catch::Contains(expect));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  };
  SECTION("billion laughs") {
    std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    for (int i = 1; i < 10; ++i)
      dtd += "<!ENTITY lol" + std::to_string(i) + " \"" + [&] {
        std::string s;
        for (int k = 0; k < 10; ++k) s += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
        return s;
      }() + "\">";
    refused("<?xml version=\"1.0\"?>\n" + dtd + "]>\n<lolz>&lol9;<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></lolz>",
            "DOCTYPE");
  }
  SECTION("an external entity naming a local file") {
    refused("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<r>&x;</r>", "DOCTYPE");
    // Nothing of the file leaks into any message.
    CHECK_THAT(testing::read(d.f("hostile.xml")), !Catch::Contains("root:x:0"));
  }
  SECTION("nesting 100000 deep") {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    refused("<?xml version=\"1.0\"?>\n" + deep, "not well-formed XML");
  }
  SECTION("not well-formed, truncated signed XML") {
    d.sign("cn", d.f("invoice.xml"), d.f("cn.xml"));
    const std::string text = testing::read(d.f("cn.xml"));
    refused(text.substr(0, text.size() / 2), "not well-formed XML");
  }
  SECTION("XML without a signature") { refused(kInvoice, "holds no ds:Signature"); }
  SECTION("a signature with garbage where base64 belongs") {
    d.sign("cn", d.f("invoice.xml"), d.f("cn.xml"));
    std::string text = testing::read(d.f("cn.xml"));
    const auto at = text.find("<ds:SignatureValue");
    const auto v = text.find('>', at) + 1;
    text.replace(v, 10, "!!!!%%%%**");
    refused(text, "not valid base64");
  }
}

TEST_CASE("sign --format xades: default names, no overwrite, verify finds the signature by content", "[xades][cli]") {
  Signers d;
  const std::string doc = d.f("invoice.xml");
  d.run_ok("sign " + q(doc) + " --format xades" + d.signer("ru") + " --commitment origin");
  REQUIRE(std::filesystem::exists(d.f("invoice.signed.xml")));
  d.run_ok("sign " + q(doc) + " --format xades --detached" + d.signer("cn"));
  REQUIRE(std::filesystem::exists(d.f("invoice.xml.sig.xml")));
  // A second run refuses to replace the output.
  const auto again = xsign("sign " + q(doc) + " --format xades" + d.signer("ru"));
  CHECK(again.exit_code == 64);
  CHECK_THAT(again.err, Catch::Contains("exists"));

  const std::string trust = " --trust " + q(d.f("ru-root.pem")) + " --untrusted " + q(d.f("ru-issuing.pem")) + " --crl " +
                            q(d.f("ru-root.crl")) + " --crl " + q(d.f("ru-issuing.crl")) + " --offline --json";
  const auto v = xsign("verify " + q(d.f("invoice.signed.xml")) + trust);
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("\"format\": \"XAdES\"") && Catch::Contains("\"level\": \"B\"") &&
                        Catch::Contains("\"commitment\": \"proof-of-origin\"") && Catch::Contains("INN"));
  const auto inspected = xsign("inspect " + q(d.f("invoice.signed.xml")) + " --json");
  CHECK(inspected.exit_code == 0);
  CHECK_THAT(inspected.out, Catch::Contains("\"status\": \"valid\"") && Catch::Contains("\"placement\": \"enveloped\"") &&
                                Catch::Contains("gostr34102012-gostr34112012-256"));
  // `verify DOC` finds DOC.sig.xml beside it (the SM2 signer is not trusted by a Russian-only store).
  const auto detached = xsign("verify " + q(doc) + trust);
  CHECK(detached.exit_code == 2);
  CHECK_THAT(detached.out, Catch::Contains("NO_CERTIFICATE_CHAIN_FOUND") && Catch::Contains("file 'invoice.xml'"));
  // --enveloped/--detached are XAdES-only; a PDF cannot be enveloped.
  CHECK(xsign("sign " + q(doc) + " --detached" + d.signer("ru") + " --out " + q(d.f("x.p7s"))).exit_code == 64);
  testing::write(d.f("doc.pdf"), "%PDF-1.7 not xml");
  const auto pdf = xsign("sign " + q(d.f("doc.pdf")) + " --format xades" + d.signer("ru"));
  CHECK(pdf.exit_code == 65);
  CHECK_FALSE(std::filesystem::exists(d.f("doc.signed.xml")));
}

TEST_CASE("XAdES-T, LT and LTA: made by sign and extend, validated offline, and what the archive time-stamp covers",
          "[xades][tsp]") {
  testing::Services s;
  testing::write(s.f("invoice.xml"), kInvoice);
  std::filesystem::create_directories(s.f("trust/anchors"));
  std::filesystem::copy_file(s.f("ru-root.pem"), s.f("trust/anchors/root.pem"));
  testing::write(s.f("trust/policy.toml"), "fetch_private_addresses = true\n");
  const std::string signer = " --key " + q(s.f("ru-trader.key")) + " --cert " + q(s.f("ru-trader.pem")) + " --chain " +
                             q(s.f("ru-issuing.pem"));
  s.run_ok("sign " + q(s.f("invoice.xml")) + " --format xades" + signer + " --level T --tsa " +
           q(s.url("/tsa/ru-issuing")) + " --out " + q(s.f("t.xml")));
  const auto t = check(s.f("t.xml"));
  REQUIRE(t.size() == 1);
  CHECK(t[0].check.status == Status::valid);
  REQUIRE(t[0].signature_time_stamps.size() == 1);
  // The token's imprint is over the canonical SignatureValue element (EN 319 132-1 §5.3).
  const auto token = sign::TimeStampToken::parse(t[0].signature_time_stamps[0].token);
  CHECK(sign::check_time_stamp(token, t[0].signature_time_stamps[0].stamped, {}).ok);
  CHECK_THAT(std::string(t[0].signature_time_stamps[0].stamped.begin(), t[0].signature_time_stamps[0].stamped.end()),
             Catch::StartsWith("<ds:SignatureValue xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\""));

  s.run_ok("extend " + q(s.f("t.xml")) + " --to LT --trust " + q(s.f("trust")) + " --fetch --out " + q(s.f("lt.xml")));
  s.run_ok("extend " + q(s.f("lt.xml")) + " --to LTA --tsa " + q(s.url("/tsa/ru-issuing")) + " --out " + q(s.f("lta.xml")));
  s.server->stop();
  // Offline: everything needed is in the file.
  for (const std::string level : {"LT", "LTA"}) {
    const std::string file = s.f(level == "LT" ? "lt.xml" : "lta.xml");
    const auto r = xsign("verify " + q(file) + " --trust " + q(s.f("trust")) + " --offline --json");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("\"level\": \"" + level + "\"") && Catch::Contains("\"format\": \"XAdES\""));
    CHECK(santuario(file).exit_code == 0);
  }
  const auto lta = check(s.f("lta.xml"));
  REQUIRE(lta[0].archive_time_stamps.size() == 1);
  const auto ats = sign::TimeStampToken::parse(lta[0].archive_time_stamps[0].token);
  CHECK(sign::check_time_stamp(ats, lta[0].archive_time_stamps[0].stamped, {}).ok);
  // Removing the embedded revocation values changes what the archive time-stamp covers.
  std::string text = testing::read(s.f("lta.xml"));
  const auto from = text.find("<xades:RevocationValues>");
  const auto to = text.find("</xades:RevocationValues>") + std::string("</xades:RevocationValues>").size();
  REQUIRE(from != std::string::npos);
  text.erase(from, to - from);
  testing::write(s.f("stripped.xml"), text);
  const auto stripped = check(s.f("stripped.xml"));
  CHECK_FALSE(sign::check_time_stamp(ats, stripped[0].archive_time_stamps[0].stamped, {}).ok);
  const auto r = xsign("verify " + q(s.f("stripped.xml")) + " --trust " + q(s.f("trust")) + " --offline --json");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.out, Catch::Contains("archive time-stamp not valid"));
}
