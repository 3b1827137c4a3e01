// The xsign command line as a user runs it: outputs, files, exit codes and error messages.
#include <catch2/catch.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <sign/cms.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

#include <sys/stat.h>

using testing::q;
using testing::xsign;

namespace {

unsigned file_mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

bool is_gost(const std::string& suite) { return suite.rfind("gost", 0) == 0; }

testing::CommandResult openssl_for(const std::string& suite, const std::string& args) {
  return is_gost(suite) ? testing::openssl_gost(args) : testing::openssl_plain(args);
}

}  // namespace

TEST_CASE("key gen writes an encrypted key with mode 0600 that openssl opens", "[cli][interop]") {
  testing::TempDir dir;
  testing::write(dir.file("pass"), "Shanghai-Moscow 2026\n");
  for (std::string suite : {"sm2", "gost256", "gost512", "p256"}) {
    CAPTURE(suite);
    const std::string key = dir.file(suite + ".pem"), pub = dir.file(suite + ".pub");
    const auto gen = xsign("key gen --suite " + suite + " --pass-file " + q(dir.file("pass")) +
                           " --out " + q(key));
    REQUIRE(gen.exit_code == 0);
    CHECK_THAT(gen.err, Catch::Contains("fingerprint SHA256:"));
    CHECK(file_mode(key) == 0600);
    CHECK_THAT(testing::read(key), Catch::StartsWith(testing::kPemEncryptedKey));

    REQUIRE(xsign("key pub " + q(key) + " --pass-file " + q(dir.file("pass")) + " --out " + q(pub))
                .exit_code == 0);
    const auto theirs = openssl_for(suite, "pkey -in " + q(key) + " -passin file:" +
                                               q(dir.file("pass")) + " -pubout");
    REQUIRE(theirs.exit_code == 0);
    CHECK(theirs.out == testing::read(pub));
  }
}

TEST_CASE("key gen takes the passphrase from an environment variable", "[cli]") {
  testing::TempDir dir;
  const std::string key = dir.file("k.pem");
  REQUIRE(testing::run("XSIGN_TEST_PASS=s3cret " + q(XSIGN_BIN) +
                       " key gen --suite gost256 --pass-env XSIGN_TEST_PASS --out " + q(key))
              .exit_code == 0);
  CHECK(testing::run("XSIGN_TEST_PASS=s3cret " + q(XSIGN_BIN) + " key info " + q(key) +
                     " --pass-env XSIGN_TEST_PASS")
            .exit_code == 0);
}

TEST_CASE("key gen --no-encrypt writes a plain PKCS#8 key, only when asked", "[cli]") {
  testing::TempDir dir;
  const std::string key = dir.file("k.pem");
  REQUIRE(xsign("key gen --suite sm2 --no-encrypt --out " + q(key)).exit_code == 0);
  CHECK_THAT(testing::read(key), Catch::StartsWith(testing::kPemPrivateKey));
  CHECK(file_mode(key) == 0600);

  SECTION("without a passphrase source and without a terminal it refuses and writes nothing") {
    const std::string other = dir.file("other.pem");
    const auto r = xsign("key gen --suite sm2 --out " + q(other));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("--pass-file"));
    CHECK_FALSE(std::filesystem::exists(other));
  }
}

TEST_CASE("key info shows suite, parameter set and fingerprint, also as JSON", "[cli]") {
  testing::TempDir dir;
  const std::string key = dir.file("k.pem");
  REQUIRE(xsign("key gen --suite gost512 --no-encrypt --out " + q(key)).exit_code == 0);
  const auto text = xsign("key info " + q(key));
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("gost512") && Catch::Contains("1.2.643.7.1.2.1.2.1") &&
                           Catch::Contains("SHA256:"));
  const auto json = xsign("key info --json " + q(key));
  REQUIRE(json.exit_code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"suite\": \"gost512\"") &&
                           Catch::Contains("\"signature_oid\": \"1.2.643.7.1.1.3.3\""));

  // The fingerprint is the SHA-256 of the SubjectPublicKeyInfo, as openssl computes it.
  const auto fp = testing::openssl_gost("pkey -in " + q(key) +
                                        " -pubout -outform DER | openssl dgst -sha256 -r");
  REQUIRE(fp.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains(fp.out.substr(0, 64)));

  SECTION("a public key file is described too") {
    REQUIRE(xsign("key pub " + q(key) + " --out " + q(dir.file("pub.pem"))).exit_code == 0);
    const auto pub = xsign("key info " + q(dir.file("pub.pem")));
    CHECK(pub.exit_code == 0);
    CHECK_THAT(pub.out, Catch::Contains("public key") && Catch::Contains(fp.out.substr(0, 64)));
  }
}

TEST_CASE("Errors name the file and the problem, with documented exit codes", "[cli]") {
  testing::TempDir dir;
  testing::write(dir.file("pass"), "right\n");
  testing::write(dir.file("wrong"), "wrong\n");
  const std::string key = dir.file("k.pem");
  REQUIRE(xsign("key gen --suite gost256 --pass-file " + q(dir.file("pass")) + " --out " + q(key))
              .exit_code == 0);

  SECTION("wrong passphrase") {
    const auto r = xsign("key info " + q(key) + " --pass-file " + q(dir.file("wrong")));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("xsign: error: " + key) && Catch::Contains("wrong passphrase"));
  }
  SECTION("unknown suite") {
    const auto r = xsign("key gen --suite rsa2048 --no-encrypt");
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("unknown suite 'rsa2048'") && Catch::Contains("sm2"));
  }
  SECTION("missing file") {
    const auto r = xsign("key info " + q(dir.file("nope.pem")));
    CHECK(r.exit_code == 66);
    CHECK_THAT(r.err, Catch::Contains("nope.pem") && Catch::Contains("no such file"));
  }
  SECTION("garbage key file") {
    testing::write(dir.file("junk.pem"), "this is not a key\n");
    const auto r = xsign("key info " + q(dir.file("junk.pem")));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("junk.pem"));
  }
  SECTION("truncated key file") {
    const std::string pem = testing::read(key);
    testing::write(dir.file("cut.pem"), pem.substr(0, pem.size() / 2));
    const auto r = xsign("key info " + q(dir.file("cut.pem")) + " --pass-file " + q(dir.file("pass")));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("cut.pem"));
  }
  SECTION("a directory where a key is expected") {
    const auto r = xsign("key info " + q(dir.path().string()));
    CHECK(r.exit_code == 66);
  }
  SECTION("unknown option") {
    const auto r = xsign("key gen --suite sm2 --colour red");
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("--help"));
  }
  SECTION("a passphrase cannot be given both ways") {
    const auto r = xsign("key info " + q(key) + " --pass-file x --pass-env Y");
    CHECK(r.exit_code == 64);
  }
}

TEST_CASE("key sign output verifies with openssl, and openssl's signatures with key verify",
          "[cli][interop]") {
  testing::TempDir dir;
  const std::string doc = dir.file("contract.txt");
  testing::write(doc, "Contract No. SH-MOW-2026/19: supply of 12 CNC lathes.\n");
  for (std::string suite : {"sm2", "gost256", "gost512", "p256"}) {
    CAPTURE(suite);
    const std::string key = dir.file("k.pem"), pub = dir.file("pub.pem"), sig = dir.file("sig");
    // The same file names for every suite: each round replaces the last with --force.
    REQUIRE(xsign("key gen --suite " + suite + " --no-encrypt --force --out " + q(key)).exit_code == 0);
    REQUIRE(xsign("key pub " + q(key) + " --force --out " + q(pub)).exit_code == 0);
    // Document from stdin, signature to a file.
    REQUIRE(xsign("key sign --key " + q(key) + " - --force --out " + q(sig) + " < " + q(doc)).exit_code == 0);
    const std::string digest = suite == "sm2" ? "sm3" : suite == "gost256" ? "md_gost12_256"
                               : suite == "gost512" ? "md_gost12_512" : "sha256";
    const std::string check =
        suite == "sm2" ? "pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
                             q(pub) + " -in " + q(doc) + " -sigfile " + q(sig)
                       : "dgst -" + digest + " -verify " + q(pub) + " -signature " + q(sig) + " " + q(doc);
    CHECK(openssl_for(suite, check).exit_code == 0);

    const std::string make =
        suite == "sm2" ? "pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 -inkey " +
                             q(key) + " -in " + q(doc) + " -out " + q(sig)
                       : "dgst -" + digest + " -sign " + q(key) + " -out " + q(sig) + " " + q(doc);
    REQUIRE(openssl_for(suite, make).exit_code == 0);
    const auto ok = xsign("key verify " + q(doc) + " --pub " + q(pub) + " --sig " + q(sig));
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::Contains("signature valid"));

    testing::write(dir.file("other.txt"), "Contract No. SH-MOW-2026/19: supply of 13 CNC lathes.\n");
    const auto bad = xsign("key verify " + q(dir.file("other.txt")) + " --pub " + q(pub) + " --sig " + q(sig));
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.out, Catch::Contains("INVALID"));
  }
}

TEST_CASE("SM2 raw signatures honour --sm2-id as openssl's distid", "[cli][interop]") {
  testing::TempDir dir;
  const std::string doc = dir.file("doc"), key = dir.file("k.pem"), pub = dir.file("p.pem"),
                    sig = dir.file("s");
  testing::write(doc, "abc");
  REQUIRE(xsign("key gen --suite sm2 --no-encrypt --out " + q(key)).exit_code == 0);
  REQUIRE(xsign("key pub " + q(key) + " --out " + q(pub)).exit_code == 0);
  REQUIRE(xsign("key sign --sm2-id ALICE123@YAHOO.COM --key " + q(key) + " " + q(doc) + " --out " + q(sig))
              .exit_code == 0);
  const std::string base = "pkeyutl -verify -rawin -digest sm3 -pubin -inkey " + q(pub) + " -in " +
                            q(doc) + " -sigfile " + q(sig) + " -pkeyopt distid:";
  CHECK(testing::openssl_plain(base + "ALICE123@YAHOO.COM").exit_code == 0);
  CHECK(testing::openssl_plain(base + "1234567812345678").exit_code != 0);
}

TEST_CASE("version lists every suite with its OIDs", "[cli]") {
  const auto r = xsign("version --json");
  REQUIRE(r.exit_code == 0);
  for (const char* s : {"\"sm2\"", "\"gost256\"", "\"gost512\"", "\"p256\"", "1.2.643.7.1.1.3.2",
                        "1.2.156.10197.1.501", "Botan", "OpenSSL"})
    CHECK_THAT(r.out, Catch::Contains(s, Catch::CaseSensitive::No));
}

TEST_CASE("Mistyped commands and options get a suggestion, help names any command", "[cli][ergonomics]") {
  auto r = xsign("sigh");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("unknown command 'sigh'; did you mean 'sign'?"));
  r = xsign("ca isue");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("did you mean 'issue'?"));
  r = xsign("sign doc.xml --ot out.p7s --key k --cert c");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("unknown option '--ot'; did you mean '--out'?"));
  r = xsign("verify --jsn a.p7s");
  CHECK_THAT(r.err, Catch::Contains("did you mean '--json'?"));
  r = xsign("zzzzzzzz");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("unknown command 'zzzzzzzz'") && !Catch::Contains("did you mean"));
  // Top-level options after the command, and `--` arguments, are still fine.
  CHECK(xsign("version --force").exit_code == 0);
  CHECK_THAT(xsign("--version").out, Catch::Contains("xsign " XSIGN_VERSION));

  const auto help = xsign("help ca issue");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--profile") && Catch::Contains("csr"));
  CHECK_THAT(xsign("help").out, Catch::Contains("verify-batch"));
  CHECK(xsign("help nope").exit_code == 64);
}

TEST_CASE("Shell completion scripts list the commands and their options", "[cli][ergonomics]") {
  testing::TempDir dir;
  const auto bash = xsign("completion bash");
  REQUIRE(bash.exit_code == 0);
  testing::write(dir.file("xsign.bash"), bash.out);
  auto complete = [&](const std::string& words, int cword) {
    return testing::run("bash -c 'source " + dir.file("xsign.bash") + "; COMP_WORDS=(" + words + "); COMP_CWORD=" +
                        std::to_string(cword) + "; _xsign; echo \"${COMPREPLY[@]}\"'")
        .out;
  };
  CHECK_THAT(complete("xsign ver", 1), Catch::Contains("verify") && Catch::Contains("verify-batch") &&
                                           Catch::Contains("version"));
  CHECK_THAT(complete("xsign ca i", 2), Catch::Contains("init") && Catch::Contains("issue"));
  CHECK_THAT(complete("xsign sign doc.xml --ou", 3), Catch::Contains("--out"));
  CHECK_THAT(complete("xsign extend a.p7s --to", 3), Catch::Contains("--to"));
  const auto zsh = xsign("completion zsh");
  CHECK_THAT(zsh.out, Catch::StartsWith("#compdef xsign") && Catch::Contains("bashcompinit"));
  const auto fish = xsign("completion fish");
  CHECK_THAT(fish.out, Catch::Contains("__fish_use_subcommand") && Catch::Contains("-l out"));
  CHECK(xsign("completion tcsh").exit_code == 64);
}

TEST_CASE("extract writes out an attached document, and --cert takes a bundle with the chain", "[cli][ergonomics]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice><No>42</No></Invoice>\n");
  const std::string signer = " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem"));
  d.run_ok("sign " + q(doc) + signer + " --attach --out " + q(d.f("a.p7s")));
  d.run_ok("extract " + q(d.f("a.p7s")) + " --out " + q(d.f("out.xml")));
  CHECK(testing::read(d.f("out.xml")) == testing::read(doc));
  CHECK(testing::run(std::string(XSIGN_BIN) + " extract " + q(d.f("a.p7s")) + " | cmp - " + q(doc)).exit_code == 0);
  auto r = xsign("extract " + q(d.f("a.p7s")) + " --out " + q(d.f("out.xml")));
  CHECK(r.exit_code == 64);  // an existing file is not replaced unasked
  d.run_ok("sign " + q(doc) + signer + " --out " + q(d.f("detached.p7s")));
  r = xsign("extract " + q(d.f("detached.p7s")) + " --out " + q(d.f("none.xml")));
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("detached"));
  CHECK_FALSE(std::filesystem::exists(d.f("none.xml")));

  testing::write(d.f("bundle.pem"), testing::read(d.f("ru-issuing.pem")) + testing::read(d.f("ru-trader.pem")));
  d.run_ok("sign " + q(doc) + " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("bundle.pem")) + " --out " +
           q(d.f("b.p7s")));
  const auto sd = sign::SignedDataView::load(d.f("b.p7s"));
  CHECK(sd.certificates().size() == 2);
  CHECK(sd.find_signer_certificate(sd.signers()[0])->subject().to_string().find("Ivan Petrov") != std::string::npos);
  testing::write(d.f("cas.pem"), testing::read(d.f("ru-issuing.pem")) + testing::read(d.f("ru-root.pem")));
  r = xsign("sign " + q(doc) + " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("cas.pem")) + " --out " +
            q(d.f("wrong.p7s")));
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("no certificate in it is for the key"));
  CHECK_FALSE(std::filesystem::exists(d.f("wrong.p7s")));
}

TEST_CASE("Signing checks the signer's own certificate: warnings, or refusal with --strict", "[cli][ergonomics]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice><No>43</No></Invoice>\n");
  const std::string signer = " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem"));
  auto r = xsign("sign " + q(doc) + signer + " --at 2099-01-01T00:00:00Z --out " + q(d.f("late.p7s")));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("warning: your certificate expired at"));
  r = xsign("sign " + q(doc) + signer + " --strict --at 2099-01-01T00:00:00Z --out " + q(d.f("strict.p7s")));
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("refusing to sign (--strict): your certificate expired"));
  CHECK_FALSE(std::filesystem::exists(d.f("strict.p7s")));
  r = xsign("sign " + q(doc) + signer + " --strict --out " + q(d.f("ok.p7s")));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, !Catch::Contains("warning"));
  // A CA certificate is not for signing documents.
  r = xsign("sign " + q(doc) + " --key " + q(d.f("ru-issuing/ca.key")) + " --cert " + q(d.f("ru-issuing.pem")) +
            " --strict --out " + q(d.f("ca.p7s")));
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("keyUsage"));
}

TEST_CASE("Batch signing: a folder or a list, a line per document, a tally, nothing replaced", "[cli][ergonomics]") {
  testing::TwoDomains d;
  std::filesystem::create_directories(d.f("invoices/2026/11"));
  for (const std::string n : {"a.xml", "b.xml", "2026/11/c.xml"}) testing::write(d.f("invoices/" + n), "<Invoice>" + n + "</Invoice>\n");
  testing::write(d.f("invoices/.hidden"), "x");
  const std::string signer = " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem"));
  auto r = xsign("sign --dir " + q(d.f("invoices")) + " --recursive --jobs 2" + signer);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  for (const std::string n : {"a.xml", "b.xml", "2026/11/c.xml"}) {
    CHECK(std::filesystem::exists(d.f("invoices/" + n + ".p7s")));
    CHECK(xsign("inspect " + q(d.f("invoices/" + n + ".p7s"))).exit_code == 0);
  }
  CHECK_FALSE(std::filesystem::exists(d.f("invoices/.hidden.p7s")));
  CHECK_THAT(r.err, Catch::Contains("3 of 3 document(s) signed"));
  // Again: every signature exists; nothing is replaced, each is reported, the others go on.
  testing::write(d.f("invoices/d.xml"), "<Invoice>d</Invoice>\n");
  r = xsign("sign " + q(d.f("invoices/a.xml")) + " " + q(d.f("invoices/d.xml")) + " " + q(d.f("invoices/missing.xml")) + signer);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.out, Catch::Contains("FAILED  " + d.f("invoices/a.xml")) && Catch::Contains("signed  " + d.f("invoices/d.xml")) &&
                        Catch::Contains("FAILED  " + d.f("invoices/missing.xml")));
  CHECK_THAT(r.err, Catch::Contains("1 of 3 document(s) signed"));
  CHECK(xsign("sign " + q(d.f("invoices/a.xml")) + " " + q(d.f("invoices/b.xml")) + " --out x.p7s" + signer).exit_code == 64);
}

TEST_CASE("show recognises every object by content, with names instead of OIDs", "[cli][ergonomics]") {
  testing::TwoDomains d;
  const std::string corpus = XSIGN_SOURCE_DIR "/tests/corpus/";
  auto show = [](const std::string& file, bool json = false) { return xsign(std::string("show ") + (json ? "--json " : "") + q(file)); };
  auto r = show(d.f("ru-trader.pem"));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("type: certificate") && Catch::Contains("INN=770123456789") &&
                        Catch::Contains("gost256 (GOST R 34.10-2012 256-bit with Streebog-256)") &&
                        Catch::Contains("digitalSignature"));
  const auto j = nlohmann::json::parse(show(d.f("ru-trader.pem"), true).out);
  CHECK(j["type"] == "certificate");
  CHECK(j["key"]["suite"] == "gost256");
  CHECK(show(d.f("ru-trader.csr")).out.find("type: certification request") == 0);
  CHECK(show(d.f("ru-issuing.crl")).out.find("type: crl") == 0);
  const auto key = show(d.f("ru-trader.key"));
  CHECK_THAT(key.out, Catch::Contains("private key (its secret is not shown)"));
  const std::string pem_key = testing::read(d.f("ru-trader.key"));
  CHECK(key.out.find(pem_key.substr(30, 40)) == std::string::npos);  // no key material echoed
  // A real qualified certificate: profile fields by name.
  CHECK_THAT(show(corpus + "gost-astral/ca_astralm_2019.pem").out,
             Catch::Contains("subjectSignTool") && Catch::Contains("class: KC1, KC2"));
  // A bare-base64 PKCS #7 bundle.
  CHECK_THAT(show(corpus + "sm2-gmssl-cfca/gjzsl-sm2_cfca_gj_cs_sm2.p7b").out,
             Catch::Contains("certificate bundle") && Catch::Contains("CFCA CS SM2 CA"));
  // A signature belongs to inspect; garbage is a clear error.
  r = show(corpus + "sm2-cfca/cfca_detached.p7s");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("xsign inspect"));
  testing::write(d.f("junk.bin"), std::string(100, '\x01'));
  r = show(d.f("junk.bin"));
  CHECK(r.exit_code == 65);
}

TEST_CASE("Progress appears on a terminal only, and never with --quiet", "[cli][ergonomics]") {
  testing::TwoDomains d;
  const std::string big = d.f("big.bin");
  testing::run("head -c 33554432 /dev/zero > " + q(big));
  const std::string sign_cmd = std::string(XSIGN_BIN) + " sign " + q(big) + " --key " + q(d.f("ru-trader.key")) +
                               " --cert " + q(d.f("ru-trader.pem")) + " --force --out " + q(d.f("big.p7s"));
  // Under a pseudo-terminal (script) the bar is drawn on stderr ...
  auto r = testing::run("script -qec " + q(sign_cmd) + " /dev/null");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("signing ") && Catch::Contains("100%") && Catch::Contains("MiB/s"));
  // ... not with --quiet, and not into a pipe.
  r = testing::run("script -qec " + q(sign_cmd + " --quiet") + " /dev/null");
  CHECK_THAT(r.out, !Catch::Contains("MiB/s"));
  r = testing::run(sign_cmd + " 2>&1 | cat");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, !Catch::Contains("MiB/s") && Catch::Contains("xsign: signed"));
}

TEST_CASE("A defaults file sets options per command, the command line wins, config show prints it", "[cli][ergonomics]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice/>\n");
  d.run_ok("sign " + q(doc) + " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem")) + " --chain " +
           q(d.f("ru-issuing.pem")));
  testing::write(d.f("crls-policy.toml"), "revocation = \"off\"\n");
  testing::write(d.f("config.toml"), "[verify]\ntrust = " + q(d.f("ru-root.pem")) + "\npolicy = " + q(d.f("crls-policy.toml")) + "\n");
  const std::string env = "XSIGN_CONFIG=" + q(d.f("config.toml")) + " ";
  auto r = testing::run(env + XSIGN_BIN + " verify " + q(doc));
  CHECK(r.exit_code == 0);  // trust store and policy from the file
  r = testing::run(env + XSIGN_BIN + " verify " + q(doc) + " --trust " + q(d.f("cn-root.pem")));
  CHECK(r.exit_code == 2);  // the command line wins: the Chinese root does not reach a Russian signer
  r = testing::run(env + XSIGN_BIN + " config show");
  CHECK_THAT(r.out, Catch::Contains("verify.trust") && Catch::Contains("ru-root.pem"));
  CHECK_THAT(testing::run(env + XSIGN_BIN + " config path").out, Catch::Contains("config.toml"));
  testing::write(d.f("bad.toml"), "[verify]\nno_such_option = 1\n");
  r = testing::run("XSIGN_CONFIG=" + q(d.f("bad.toml")) + " " + XSIGN_BIN + " verify " + q(doc));
  CHECK(r.exit_code == 64);
}

TEST_CASE("'-' reads standard input for verify, inspect, show, extract and --pass-file", "[cli][ergonomics]") {
  testing::TwoDomains d;
  const std::string doc = d.f("invoice.xml");
  testing::write(doc, "<Invoice><No>44</No></Invoice>\n");
  d.run_ok("sign " + q(doc) + " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem")) + " --chain " +
           q(d.f("ru-issuing.pem")) + " --attach --out " + q(d.f("a.p7s")));
  testing::write(d.f("p.toml"), "revocation = \"off\"\n");
  const std::string bin = XSIGN_BIN;
  auto r = testing::run("cat " + q(d.f("a.p7s")) + " | " + bin + " verify --trust " + q(d.f("ru-root.pem")) + " --policy " +
                        q(d.f("p.toml")) + " -");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("standard input"));
  r = testing::run("cat " + q(doc) + " | " + bin + " verify --trust " + q(d.f("ru-root.pem")) + " --policy " + q(d.f("p.toml")) +
                   " - " + q(d.f("a.p7s")));
  CHECK(r.exit_code == 0);
  CHECK_THAT(testing::run("cat " + q(d.f("a.p7s")) + " | " + bin + " inspect -").out, Catch::Contains("attached content"));
  CHECK_THAT(testing::run("cat " + q(d.f("ru-trader.pem")) + " | " + bin + " show -").out, Catch::StartsWith("type: certificate"));
  CHECK(testing::run("cat " + q(d.f("a.p7s")) + " | " + bin + " extract - | cmp - " + q(doc)).exit_code == 0);
  // An encrypted key whose passphrase comes on standard input.
  testing::write(d.f("pw"), "correct horse\n");
  d.run_ok("key gen --suite gost256 --pass-file " + q(d.f("pw")) + " --out " + q(d.f("enc.key")));
  r = testing::run("echo 'correct horse' | " + bin + " key info " + q(d.f("enc.key")) + " --pass-file -");
  CHECK(r.exit_code == 0);
  r = testing::run("echo x | " + bin + " sign - --key " + q(d.f("enc.key")) + " --cert " + q(d.f("ru-trader.pem")) +
                   " --pass-file - --out " + q(d.f("s.p7s")));
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("both come from standard input"));
}
