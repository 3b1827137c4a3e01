// The asic module: ASiC-E and ASiC-S containers checked by independent tools (unzip, zipinfo,
// openssl cms with the GOST engine, openssl pkeyutl for SM2, openssl dgst for the manifests'
// digests, Apache Santuario with BouncyCastle for XAdES inside), co-signing across the border,
// per-document verdicts, tampered containers, hostile zips and safe extraction.
#include <catch2/catch.hpp>

#include <sign/asic.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <filesystem>

using testing::q;
using testing::xsign;
namespace fs = std::filesystem;

namespace {

const std::string kInvoice = "<?xml version=\"1.0\"?>\n<Invoice><No>SH-MOW-2026-0042</No><Amount>1440000.00</Amount></Invoice>\n";
const std::string kOrigin = "<CertificateOfOrigin><No>CCPIT-SH-2026-88</No></CertificateOfOrigin>\n";

testing::CommandResult zipcraft(const std::string& args) {
  return testing::run("python3 " XSIGN_SOURCE_DIR "/tests/interop/zipcraft.py " + args);
}

struct Shipment : testing::TwoDomains {
  Shipment() {
    testing::write(f("invoice.xml"), kInvoice);
    testing::write(f("packing list.pdf"), "%PDF-1.7\n% packing list: 12 crates, 4,200 kg\n");
    testing::write(f("origin.xml"), kOrigin);
  }
  std::string documents() const { return q(f("invoice.xml")) + " " + q(f("packing list.pdf")) + " " + q(f("origin.xml")); }
  std::string signer(const std::string& who) const {
    return " --key " + q(f(who + "-trader.key")) + " --cert " + q(f(who + "-trader.pem")) + " --chain " +
           q(f(who + "-issuing.pem"));
  }
  /// A Russian verifier: its own root, the cross-certificate for Chinese signers, every CRL.
  std::string ru_trust() const {
    return " --trust " + q(f("ru-root.pem")) + " --untrusted " + q(f("x-ru-cn.pem")) + " --crl " + q(f("ru-root.crl")) +
           " --crl " + q(f("ru-issuing.crl")) + " --crl " + q(f("cn-root.crl")) + " --crl " + q(f("cn-issuing.crl")) +
           " --offline";
  }
  /// Exporter (SM2) signs the three documents, importer (GOST) co-signs.
  std::string make(const std::string& name, const std::string& extra = "") {
    const std::string out = f(name);
    run_ok("sign --asic-e " + documents() + signer("cn") + " --out " + q(out) + extra);
    run_ok("cosign " + q(out) + signer("ru"));
    return out;
  }
  testing::CommandResult verify(const std::string& container, const std::string& extra = " --json") const {
    return xsign("verify " + q(container) + ru_trust() + extra);
  }
  void unzip(const std::string& container, const std::string& dir) const {
    REQUIRE(testing::run("unzip -q -o " + q(container) + " -d " + q(f(dir))).exit_code == 0);
  }
};

std::string base64_of_hex(const std::string& hex) {
  const auto r = testing::run("python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode(), end=\"\")' " + hex);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("An ASiC-E made by xsign passes unzip -t, starts with a stored mimetype, and its signatures verify in openssl",
          "[asic][interop]") {
  Shipment s;
  const std::string c = s.make("shipment.asice");

  const auto t = testing::run("unzip -t " + q(c));
  INFO(t.out << t.err);
  CHECK(t.exit_code == 0);
  CHECK_THAT(t.out, Catch::Contains("No errors detected"));
  // zipinfo's own reading: mimetype is entry #1, stored, with no extra field.
  const auto z = testing::run("zipinfo -v " + q(c));
  REQUIRE(z.exit_code == 0);
  const auto first = z.out.find("Central directory entry #1:");
  const auto second = z.out.find("Central directory entry #2:");
  REQUIRE(first != std::string::npos);
  const std::string entry1 = z.out.substr(first, second - first);
  CHECK_THAT(entry1, Catch::Contains("mimetype") && Catch::Contains("compression method:") &&
                         Catch::Contains("none (stored)") && Catch::Contains("length of extra field:                          0 bytes"));
  CHECK(testing::run("unzip -p " + q(c) + " mimetype").out == "application/vnd.etsi.asic-e+zip");
  const auto names = testing::run("zipinfo -1 " + q(c)).out;
  CHECK(names == "mimetype\ninvoice.xml\npacking list.pdf\norigin.xml\nMETA-INF/ASiCManifest001.xml\n"
                 "META-INF/signature001.p7s\nMETA-INF/ASiCManifest002.xml\nMETA-INF/signature002.p7s\n");

  s.unzip(c, "x");
  const std::string m = s.f("x/META-INF/");
  // The importer's GOST signature over its manifest, checked by openssl cms with the engine.
  const auto gost = testing::openssl_gost("cms -verify -binary -inform DER -in " + q(m + "signature002.p7s") + " -content " +
                                          q(m + "ASiCManifest002.xml") + " -CAfile " + q(s.f("ru-root.pem")) + " -out /dev/null");
  INFO(gost.err);
  CHECK(gost.exit_code == 0);
  // ... and every digest in that manifest is the Streebog-256 openssl computes of the document.
  const std::string manifest2 = testing::read(m + "ASiCManifest002.xml");
  CHECK_THAT(manifest2, Catch::Contains("URI=\"packing%20list.pdf\"") && Catch::Contains("gostr34112012-256"));
  for (const std::string doc : {"invoice.xml", "packing list.pdf", "origin.xml"}) {
    const auto d = testing::openssl_gost("dgst -md_gost12_256 -r " + q(s.f("x/" + doc)));
    REQUIRE(d.exit_code == 0);
    CHECK_THAT(manifest2, Catch::Contains(base64_of_hex(d.out.substr(0, 64))));
  }
  // The exporter's SM2 signature: openssl cms cannot check SM2 SignedData (INTEROP-NOTES.md), so
  // openssl pkeyutl checks the signature over its signed attributes with the SM2 ID, and openssl
  // dgst that their messageDigest is the SM3 of the manifest.
  const auto sd = sign::SignedDataView::load(m + "signature001.p7s");
  REQUIRE(sd.signers().size() == 1);
  const auto& si = sd.signers()[0];
  CHECK(si.signature_oid == "1.2.156.10197.1.501");
  testing::write(s.f("attrs.der"), std::string(si.signed_attrs_der.begin(), si.signed_attrs_der.end()));
  testing::write(s.f("sig.der"), std::string(si.signature.begin(), si.signature.end()));
  testing::write(s.f("pub.pem"), sd.find_signer_certificate(si)->public_key().to_pem());
  const auto sm2 = testing::openssl_plain("pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
                                          q(s.f("pub.pem")) + " -in " + q(s.f("attrs.der")) + " -sigfile " + q(s.f("sig.der")));
  INFO(sm2.out << sm2.err);
  CHECK(sm2.exit_code == 0);
  const auto* md = si.signed_attr("1.2.840.113549.1.9.4");  // messageDigest
  REQUIRE(md);
  const auto manifest_sm3 = testing::openssl_plain("dgst -sm3 -r " + q(m + "ASiCManifest001.xml"));
  REQUIRE(manifest_sm3.exit_code == 0);
  CHECK(sign::to_hex(md->values[0]).substr(4) == manifest_sm3.out.substr(0, 64));
  // ... and the documents' SM3 digests in that manifest, as openssl computes them.
  const std::string manifest1 = testing::read(m + "ASiCManifest001.xml");
  CHECK_THAT(manifest1, Catch::Contains("SigReference URI=\"META-INF/signature001.p7s\""));
  for (const std::string doc : {"invoice.xml", "packing list.pdf", "origin.xml"}) {
    const auto d = testing::openssl_plain("dgst -sm3 -r " + q(s.f("x/" + doc)));
    REQUIRE(d.exit_code == 0);
    CHECK_THAT(manifest1, Catch::Contains(base64_of_hex(d.out.substr(0, 64))));
  }
  // A changed manifest byte: openssl refuses the GOST signature over it.
  std::string changed = manifest2;
  changed.replace(changed.find("invoice.xml"), 11, "invoice.xmI");
  testing::write(s.f("changed.xml"), changed);
  CHECK(testing::openssl_gost("cms -verify -binary -inform DER -in " + q(m + "signature002.p7s") + " -content " +
                              q(s.f("changed.xml")) + " -noverify -out /dev/null")
            .exit_code != 0);

  // xsign's verdict: both signatures valid, every document signed by both.
  const auto v = s.verify(c);
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("\"form\": \"ASiC-E\"") && Catch::Contains("\"signed_by\": [\n        1,\n        2\n      ]") &&
                        Catch::Contains("\"signature_file\": \"META-INF/signature002.p7s\""));
  const auto text = s.verify(c, "");
  CHECK_THAT(text.out, Catch::StartsWith("VALID: TOTAL-PASSED — container") && Catch::Contains("3 document(s), 2 signature(s)") &&
                           Catch::Contains("document:   packing list.pdf — signed by [1] Li Wei (TOTAL-PASSED), [2] Ivan Petrov"));
}

TEST_CASE("ASiC-E with XAdES inside: Apache Santuario with BouncyCastle verifies each signature over the documents",
          "[asic][interop]") {
  Shipment s;
  const std::string c = s.make("shipment-xades.asice", " --format xades");
  const auto names = testing::run("zipinfo -1 " + q(c)).out;
  CHECK(names == "mimetype\ninvoice.xml\npacking list.pdf\norigin.xml\nMETA-INF/manifest.xml\nMETA-INF/signatures001.xml\n"
                 "META-INF/signatures002.xml\n");
  s.unzip(c, "x");
  // Relative references resolve against the signature file's folder: put copies beside the documents.
  for (const std::string n : {"signatures001.xml", "signatures002.xml"})
    fs::copy_file(s.f("x/META-INF/" + n), s.f("x/" + n));
  const auto java = testing::run("java -cp /usr/share/java/xmlsec.jar:/usr/share/java/bcprov.jar:/usr/share/java/bcutil.jar:"
                                 "/usr/share/java/commons-codec.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar " XSIGN_SOURCE_DIR
                                 "/tests/interop/SantuarioVerify.java " +
                                 q(s.f("x/signatures001.xml")) + " " + q(s.f("x/signatures002.xml")));
  INFO(java.out << java.err);
  CHECK(java.exit_code == 0);
  CHECK_THAT(java.out, Catch::Contains("signatures001.xml: OK 1") && Catch::Contains("signatures002.xml: OK 1"));
  // The ODF manifest lists each document with its type.
  CHECK_THAT(testing::read(s.f("x/META-INF/manifest.xml")),
             Catch::Contains("manifest:full-path=\"packing list.pdf\"") && Catch::Contains("manifest:media-type=\"application/pdf\""));

  const auto v = s.verify(c, "");
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("(ASiC-E)") && Catch::Contains("covers:     file 'packing%20list.pdf'"));

  // A changed document fails Santuario and xsign alike.
  testing::write(s.f("x/invoice.xml"), kInvoice + " ");
  CHECK(testing::run("java -cp /usr/share/java/xmlsec.jar:/usr/share/java/bcprov.jar:/usr/share/java/bcutil.jar:"
                     "/usr/share/java/commons-codec.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar " XSIGN_SOURCE_DIR
                     "/tests/interop/SantuarioVerify.java " +
                     q(s.f("x/signatures001.xml")))
            .exit_code != 0);
  REQUIRE(zipcraft("edit " + q(c) + " " + q(s.f("changed.asice")) + " --put invoice.xml=" + q(s.f("x/invoice.xml"))).exit_code == 0);
  const auto changed = s.verify(s.f("changed.asice"), "");
  CHECK(changed.exit_code == 1);
  CHECK_THAT(changed.out, Catch::Contains("HASH_FAILURE") && Catch::Contains("invoice.xml"));
}

TEST_CASE("A tampered container: changed, added, removed or renamed documents and swapped manifests are caught",
          "[asic][attacks]") {
  Shipment s;
  const std::string c = s.make("shipment.asice");
  REQUIRE(s.verify(c).exit_code == 0);
  const std::string out = s.f("t.asice");
  auto edit = [&](const std::string& args) {
    fs::remove(out);
    const auto r = zipcraft("edit " + q(c) + " " + q(out) + " " + args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto v = s.verify(out, "");
    INFO(v.out << v.err);
    return v;
  };
  testing::write(s.f("forged.xml"), "<Invoice><No>SH-MOW-2026-0042</No><Amount>1940000.00</Amount></Invoice>\n");

  SECTION("a document replaced: both signatures fail on it") {
    const auto v = edit("--put invoice.xml=" + q(s.f("forged.xml")));
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("INVALID") && Catch::Contains("'invoice.xml' was changed after it was signed") &&
                          Catch::Contains("HASH_FAILURE"));
  }
  SECTION("an unsigned document slipped in: the container fails and names it") {
    const auto v = edit("--put " + q("corrected-invoice.xml=" + s.f("forged.xml")));
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("'corrected-invoice.xml' is in the container but no signature covers it") &&
                          Catch::Contains("corrected-invoice.xml — NOT SIGNED"));
    // The page for people says the same, per document.
    const auto page = s.verify(out, " --report-html " + q(s.f("page.html")));
    CHECK(page.exit_code == 1);
    const std::string html = testing::read(s.f("page.html"));
    CHECK(testing::run("xmllint --noout " + q(s.f("page.html"))).exit_code == 0);
    CHECK_THAT(html, Catch::Contains("verdict failed") &&
                         Catch::Contains("<tr><td>corrected-invoice.xml</td><td><strong>NOT SIGNED") &&
                         Catch::Contains("<tr><td>invoice.xml</td><td>[1] C=CN"));
  }
  SECTION("an unsigned file hidden in a folder is a document too") {
    const auto v = edit("--put " + q("docs/extra.pdf=" + s.f("forged.xml")));
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("'docs/extra.pdf' is in the container but no signature covers it"));
  }
  SECTION("a signed document removed: the signatures cannot be proven") {
    const auto v = edit("--drop origin.xml");
    CHECK(v.exit_code == 2);
    CHECK_THAT(v.out, Catch::Contains("SIGNED_DATA_NOT_FOUND") && Catch::Contains("no longer holds 'origin.xml'"));
  }
  SECTION("a document renamed: the old name is missing and the new one unsigned") {
    const auto v = edit("--rename origin.xml=origin2.xml");
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("'origin2.xml' is in the container but no signature covers it"));
  }
  SECTION("manifests renamed into each other's places: paired by what they say, not by file name") {
    const auto v = edit("--rename META-INF/ASiCManifest001.xml=META-INF/ASiCManifest002.xml --rename "
                        "META-INF/ASiCManifest002.xml=META-INF/ASiCManifest001.xml");
    CHECK(v.exit_code == 0);
  }
  SECTION("signature files swapped: each now sits under the other's manifest and fails there") {
    const auto v = edit("--rename META-INF/signature001.p7s=META-INF/signature002.p7s --rename "
                        "META-INF/signature002.p7s=META-INF/signature001.p7s");
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("META-INF/signature001.p7s INVALID (TOTAL-FAILED / HASH_FAILURE)") &&
                          Catch::Contains("META-INF/signature002.p7s INVALID (TOTAL-FAILED / HASH_FAILURE)"));
  }
  SECTION("a manifest naming a signature file the container does not hold") {
    s.unzip(c, "u");
    std::string m = testing::read(s.f("u/META-INF/ASiCManifest001.xml"));
    m.replace(m.find("signature001.p7s"), 16, "signature009.p7s");
    testing::write(s.f("m.xml"), m);
    const auto v = edit("--put META-INF/ASiCManifest001.xml=" + q(s.f("m.xml")));
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("FORMAT_FAILURE") && Catch::Contains("which the container does not hold"));
  }
  SECTION("a signature file replaced by garbage") {
    testing::write(s.f("garbage.p7s"), "not a signature");
    const auto v = edit("--put META-INF/signature002.p7s=" + q(s.f("garbage.p7s")));
    CHECK(v.exit_code == 1);
    CHECK_THAT(v.out, Catch::Contains("FORMAT_FAILURE"));
  }
  SECTION("co-signing a tampered container is refused and leaves it as it was") {
    REQUIRE(zipcraft("edit " + q(c) + " " + q(out) + " --put invoice.xml=" + q(s.f("forged.xml"))).exit_code == 0);
    const auto before = testing::read(out);
    const auto r = xsign("cosign " + q(out) + s.signer("ru"));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("was changed after it was signed"));
    CHECK(testing::read(out) == before);
  }
  SECTION("a XAdES signature naming a file outside the container") {
    const std::string x = s.make("x.asice", " --format xades");
    s.unzip(x, "xx");
    std::string sig = testing::read(s.f("xx/META-INF/signatures001.xml"));
    const auto at = sig.find("URI=\"origin.xml\"");
    REQUIRE(at != std::string::npos);
    sig.replace(at, 16, "URI=\"../origin.xml\"");
    testing::write(s.f("sig.xml"), sig);
    fs::remove(out);
    REQUIRE(zipcraft("edit " + q(x) + " " + q(out) + " --put META-INF/signatures001.xml=" + q(s.f("sig.xml"))).exit_code == 0);
    const auto v = s.verify(out, "");
    CHECK(v.exit_code == 1);  // the URI is signed: changing it breaks the signature
    CHECK_THAT(v.out, Catch::Contains("SIG_CRYPTO_FAILURE") && Catch::Contains("origin.xml — signed by [2]"));
    // A signature made over a name outside the container fails on that reference.
    const auto key = sign::PrivateKey::load(s.f("ru-trader.key"), nullptr);
    const sign::SignerSpec spec{key, s.cert("ru-trader.pem"), {}, {}, sign::Commitment::none, sign::now()};
    sign::XadesOptions o;
    o.placement = sign::XmlPlacement::detached;
    const auto outside = sign::xades_sign_files({{"../origin.xml", sign::Content::file(s.f("origin.xml")), "text/xml"}}, spec, o);
    sign::DetachedFiles inside;
    inside.by_name.emplace("origin.xml", sign::Content::file(s.f("origin.xml")));
    const auto checked = sign::check_xml_signatures(outside, "outside.xml", inside);
    REQUIRE(checked.size() == 1);
    CHECK(checked[0].check.status == sign::SignerCheck::Status::format_error);
    CHECK_THAT(checked[0].check.message, Catch::Contains("'../origin.xml', which is not among its files"));
  }
}

TEST_CASE("Hostile zips get a clear refusal before anything is read or written, and extraction stays inside its folder",
          "[asic][attacks]") {
  testing::TempDir dir;
  struct Case {
    std::string kind, message;
  };
  const std::vector<Case> cases = {
      {"traversal", "path traversal"},
      {"absolute", "an absolute path"},
      {"backslash", "a backslash"},
      {"duplicate", "not a readable zip container"},
      {"case-duplicate", "differs from another only by case"},
      {"bomb", "refusing a likely zip bomb"},
      {"mimetype-not-first", "not the first entry"},
      {"wrong-mimetype", "not an ASiC container"},
      {"many-entries", "the limit is 10000"},
      {"control-char", "container"},
  };
  for (const auto& c : cases) {
    INFO(c.kind);
    const std::string z = dir.file(c.kind + ".asice");
    REQUIRE(zipcraft("hostile " + c.kind + " " + q(z)).exit_code == 0);
    CHECK_THROWS_AS(sign::AsicContainer::open(z), sign::FormatError);
    const std::string out = dir.file("out-" + c.kind);
    const auto x = xsign("extract " + q(z) + " --out-dir " + q(out));
    INFO(x.err);
    CHECK(x.exit_code == 65);
    CHECK_THAT(x.err, Catch::Contains(c.message));
    CHECK(x.err.find('\x1b') == std::string::npos);  // a hostile name never reaches the terminal raw
    CHECK(!fs::exists(out));  // nothing was written
    const auto v = xsign("verify " + q(z) + " --trust " + XSIGN_SOURCE_DIR "/tests/corpus/README.md --json");
    CHECK(v.exit_code != 0);
  }
  CHECK(!fs::exists(dir.file("escaped.txt")));
  CHECK(!fs::exists("/tmp/xsign-absolute.txt"));

  // A size that lies: the reader never yields more than the entry declares (1000 of 2 MiB).
  const std::string lying = dir.file("lying.asice");
  REQUIRE(zipcraft("hostile lying-size " + q(lying)).exit_code == 0);
  const auto x = xsign("extract " + q(lying) + " --out-dir " + q(dir.file("lying")));
  if (x.exit_code == 0) CHECK(fs::file_size(dir.file("lying/big.txt")) == 1000);
  else CHECK_THAT(x.err, Catch::Contains("big.txt"));

  // Garbage and a truncated container.
  testing::write(dir.file("garbage.asice"), "PK\x03\x04 this is not a zip");
  CHECK_THROWS_AS(sign::AsicContainer::open(dir.file("garbage.asice")), sign::FormatError);
  CHECK(xsign("extract " + q(dir.file("garbage.asice"))).exit_code == 65);
}

TEST_CASE("extract writes every document inside its folder, never replaces a file unasked, never follows a link",
          "[asic][cli]") {
  Shipment s;
  const std::string c = s.make("shipment.asice");
  const auto x = xsign("extract " + q(c));
  INFO(x.err);
  REQUIRE(x.exit_code == 0);
  CHECK(testing::read(s.f("shipment/invoice.xml")) == kInvoice);
  CHECK(testing::read(s.f("shipment/origin.xml")) == kOrigin);
  CHECK(fs::exists(s.f("shipment/packing list.pdf")));
  CHECK(!fs::exists(s.f("shipment/META-INF")));  // signature files stay inside the container

  // Again: refused, nothing changed.
  testing::write(s.f("shipment/origin.xml"), "mine");
  const auto again = xsign("extract " + q(c));
  CHECK(again.exit_code == 64);
  CHECK_THAT(again.err, Catch::Contains("already exists"));
  CHECK(testing::read(s.f("shipment/origin.xml")) == "mine");
  CHECK(xsign("extract " + q(c) + " --force").exit_code == 0);
  CHECK(testing::read(s.f("shipment/origin.xml")) == kOrigin);

  // A symbolic link where a folder of the container would go is not followed.
  testing::write(s.f("nested.xml"), kOrigin);
  REQUIRE(zipcraft("edit " + q(c) + " " + q(s.f("nested.asice")) + " --put docs/nested.xml=" + q(s.f("nested.xml"))).exit_code == 0);
  fs::create_directories(s.f("elsewhere"));
  fs::create_directories(s.f("n"));
  fs::create_directory_symlink(s.f("elsewhere"), s.f("n/docs"));
  const auto linked = xsign("extract " + q(s.f("nested.asice")) + " --out-dir " + q(s.f("n")));
  CHECK(linked.exit_code != 0);
  CHECK_THAT(linked.err, Catch::Contains("symbolic link"));
  CHECK(!fs::exists(s.f("elsewhere/nested.xml")));
}

TEST_CASE("ASiC-S holds one document: CAdES and XAdES, co-signed across the border, verified", "[asic][cli]") {
  Shipment s;
  for (const std::string format : {"cades", "xades"}) {
    INFO(format);
    const std::string out = s.f("origin-" + format + ".asics");
    s.run_ok("sign --asic-s " + q(s.f("origin.xml")) + " --format " + format + s.signer("cn") + " --out " + q(out));
    s.run_ok("cosign " + q(out) + s.signer("ru"));
    const auto names = testing::run("zipinfo -1 " + q(out)).out;
    CHECK(names == "mimetype\norigin.xml\nMETA-INF/" + std::string(format == "cades" ? "signature.p7s" : "signatures.xml") + "\n");
    CHECK(testing::run("unzip -p " + q(out) + " mimetype").out == "application/vnd.etsi.asic-s+zip");
    const auto v = s.verify(out, "");
    INFO(v.out << v.err);
    CHECK(v.exit_code == 0);
    CHECK_THAT(v.out, Catch::Contains("(ASiC-S): 1 document(s), 2 signature(s)") &&
                          Catch::Contains("origin.xml — signed by [1] Li Wei (TOTAL-PASSED), [2] Ivan Petrov (TOTAL-PASSED)"));
  }
  // The ASiC-S CAdES signature is an ordinary detached .p7s over the document: openssl checks a
  // GOST one (it cannot read a file that also holds an SM2 signer, INTEROP-NOTES.md).
  s.run_ok("sign --asic-s " + q(s.f("origin.xml")) + s.signer("ru") + " --out " + q(s.f("ru.asics")));
  s.unzip(s.f("ru.asics"), "s");
  CHECK(testing::openssl_gost("cms -verify -binary -inform DER -in " + q(s.f("s/META-INF/signature.p7s")) + " -content " +
                              q(s.f("s/origin.xml")) + " -noverify -out /dev/null")
            .exit_code == 0);
  const auto two = xsign("sign --asic-s " + s.documents() + s.signer("cn") + " --out " + q(s.f("two.asics")));
  CHECK(two.exit_code == 64);
  CHECK_THAT(two.err, Catch::Contains("exactly one document"));
  CHECK(!fs::exists(s.f("two.asics")));
}

TEST_CASE("sign --asic-e: default name, no overwrite, clear errors, and inspect lists what is inside", "[asic][cli]") {
  Shipment s;
  s.run_ok("sign --asic-e " + s.documents() + s.signer("ru"));
  const std::string c = s.f("invoice.asice");
  REQUIRE(fs::exists(c));
  const auto again = xsign("sign --asic-e " + s.documents() + s.signer("ru"));
  CHECK(again.exit_code == 64);
  CHECK_THAT(again.err, Catch::Contains("already exists"));

  const auto missing = xsign("sign --asic-e " + q(s.f("invoice.xml")) + " " + q(s.f("nope.pdf")) + s.signer("ru") +
                             " --out " + q(s.f("m.asice")));
  CHECK(missing.exit_code == 66);
  CHECK(!fs::exists(s.f("m.asice")));
  fs::create_directories(s.f("other"));
  testing::write(s.f("other/invoice.xml"), kInvoice);
  const auto clash = xsign("sign --asic-e " + q(s.f("invoice.xml")) + " " + q(s.f("other/invoice.xml")) + s.signer("ru") +
                           " --out " + q(s.f("clash.asice")));
  CHECK(clash.exit_code == 64);
  CHECK_THAT(clash.err, Catch::Contains("would both be named 'invoice.xml'"));
  CHECK(!fs::exists(s.f("clash.asice")));
  // No temporary file is left beside the output by a failed run.
  for (const auto& e : fs::directory_iterator(s.dir.path()))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);

  const auto i = xsign("inspect " + q(c) + " --json");
  INFO(i.out << i.err);
  CHECK(i.exit_code == 0);
  CHECK_THAT(i.out, Catch::Contains("\"form\": \"ASiC-E\"") && Catch::Contains("\"name\": \"packing list.pdf\"") &&
                        Catch::Contains("\"manifest\": \"META-INF/ASiCManifest001.xml\""));
  // A Chinese-only verifier cannot prove the Russian signature: INDETERMINATE, exit 2, per document.
  const auto cn = xsign("verify " + q(c) + " --trust " + q(s.f("cn-root.pem")) + " --offline");
  CHECK(cn.exit_code == 2);
  CHECK_THAT(cn.out, Catch::Contains("NO_CERTIFICATE_CHAIN_FOUND"));
}
