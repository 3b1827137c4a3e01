// Keys that never come into xsign: PKCS#11 tokens (SoftHSM2), external signing commands
// (openssl as the signer), two-step signing, and the custody of CA keys (audit log, offline
// root, serve refusing a root). Every signature is checked by openssl, not only by us.
#include <catch2/catch.hpp>

#include "support.hpp"

#include <sign/ca.hpp>
#include <sign/cms.hpp>
#include <sign/signers.hpp>

#include "signers/pkcs11_module.hpp"

#include <nlohmann/json.hpp>

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>

using testing::q;
using testing::xsign;

namespace fs = std::filesystem;

namespace {

const std::string kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
const std::string kProfiles = XSIGN_SOURCE_DIR "/certs/";

void run_ok(const std::string& args) {
  const auto r = xsign(args);
  INFO("xsign " << args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
}

// A SoftHSM2 token initialised in a temporary directory for one test; SOFTHSM2_CONF points
// there for this process and every command it starts.
struct SoftHsm {
  testing::TempDir dir;
  std::string pin_file = dir.file("pin");
  std::string module = " --pkcs11-module " + kSoftHsmModule + " --pass-file " + q(dir.file("pin"));

  SoftHsm() {
    REQUIRE(fs::exists(kSoftHsmModule));  // softhsm2 is installed by scripts/setup.sh
    fs::create_directories(dir.path() / "tokens");
    testing::write(dir.file("softhsm2.conf"),
                   "directories.tokendir = " + dir.file("tokens") + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    ::setenv("SOFTHSM2_CONF", dir.file("softhsm2.conf").c_str(), 1);
    testing::write(pin_file, "4711-2026\n");
    const auto r = testing::run("softhsm2-util --init-token --free --label xsign-test --pin 4711-2026 --so-pin 99887766");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  ~SoftHsm() { ::unsetenv("SOFTHSM2_CONF"); }
};

// A CA domain profile of another suite (the national profiles are SM2 and GOST 256).
std::string profile_for(const testing::TempDir& dir, const std::string& suite) {
  std::string text = testing::read(kProfiles + "ru.toml");
  const auto at = text.find("suite = \"gost256\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, 17, "suite = \"" + suite + "\"");
  const std::string path = dir.file(suite + ".toml");
  testing::write(path, text);
  return path;
}

bool is_gost(const std::string& suite) { return suite.rfind("gost", 0) == 0; }

testing::CommandResult openssl_for(const std::string& suite, const std::string& args) {
  return is_gost(suite) ? testing::openssl_gost(args) : testing::openssl_plain(args);
}

// Whether openssl accepts a CAdES file of `suite` over `doc` from a root in `ca_file`. SM2:
// OpenSSL 3.0's CMS cannot apply the SM2 ID, so the signature over the signed attributes is
// checked with pkeyutl (docs/interop.md).
bool openssl_accepts(const testing::TempDir& dir, const std::string& suite, const std::string& p7s,
                     const std::string& doc, const std::string& ca_file) {
  if (suite != "sm2")
    return openssl_for(suite, "cms -verify -binary -inform DER -in " + q(p7s) + " -content " + q(doc) + " -CAfile " +
                                  q(ca_file) + " -purpose any -out /dev/null")
               .exit_code == 0;
  const auto sd = sign::SignedDataView::load(p7s);
  const auto& si = sd.signers().at(0);
  const auto cert = sd.find_signer_certificate(si);
  REQUIRE(cert);
  auto put = [&](const std::string& name, const sign::Bytes& b) {
    testing::write(dir.file(name), std::string(b.begin(), b.end()));
  };
  put("attrs.der", si.signed_attrs_der);
  put("sig.der", si.signature);
  testing::write(dir.file("signer-pub.pem"), cert->public_key().to_pem());
  return testing::openssl_plain("pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
                                q(dir.file("signer-pub.pem")) + " -in " + q(dir.file("attrs.der")) + " -sigfile " +
                                q(dir.file("sig.der")))
             .exit_code == 0;
}

// A one-level PKI of `suite` (root CA + a trader), files only.
struct SmallPki {
  testing::TempDir dir;
  std::string suite;
  explicit SmallPki(std::string s) : suite(std::move(s)) {
    run_ok("ca init --dir " + q(dir.file("ca")) + " --profile " + q(profile_for(dir, suite)) + " --no-encrypt --out " +
           q(dir.file("ca.pem")));
    run_ok("key gen --suite " + suite + " --no-encrypt --out " + q(dir.file("trader.key")));
    run_ok("csr --key " + q(dir.file("trader.key")) + " --subject '/C=RU/O=Volga/CN=Trader' --out " + q(dir.file("t.csr")));
    run_ok("ca issue " + q(dir.file("t.csr")) + " --dir " + q(dir.file("ca")) + " --profile trader --out " +
           q(dir.file("trader.pem")));
    testing::write(dir.file("invoice.xml"), "<Invoice><No>SH-MOW-77</No><Total>1200000</Total></Invoice>\n");
  }
  std::string f(const std::string& n) const { return dir.file(n); }
};

// The openssl command an ext: signer runs for a key file of `suite` (message on stdin).
std::string openssl_signer(const std::string& suite, const std::string& key) {
  if (suite == "sm2")
    return "openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:$XSIGN_SM2_ID -inkey " + q(key);
  if (suite == "p256") return "openssl dgst -sha256 -sign " + q(key);
  return "OPENSSL_CONF=" + q(testing::gost_conf_path()) + " openssl dgst -" +
         (suite == "gost256" ? std::string("md_gost12_256") : std::string("md_gost12_512")) + " -sign " + q(key);
}

// Whether any file under `root` holds a PEM private key (a token key must never land on disk).
bool private_key_on_disk(const fs::path& root) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string text = testing::read(e.path().string());
    if (text.find(testing::kPemPrivateKey) != std::string::npos || text.find(testing::kPemEncryptedKey) != std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

TEST_CASE("A token key signs a CAdES file that openssl cms -verify accepts, and it never leaves the token",
          "[keys][pkcs11][interop]") {
  SoftHsm hsm;
  SmallPki pki("p256");
  const std::string uri = "pkcs11:token=xsign-test;object=trader-2026";
  const auto gen = xsign("key gen --suite p256 --pkcs11 '" + uri + "'" + hsm.module + " --json --out " + q(pki.f("tok.pub")));
  INFO(gen.err);
  REQUIRE(gen.exit_code == 0);
  const auto info = nlohmann::json::parse(gen.out);
  CHECK(info["sensitive"] == true);
  CHECK(info["extractable"] == false);

  // The token itself says so, and refuses to hand out the private value.
  {
    auto module = sign::detail::Pkcs11Module::load(kSoftHsmModule);
    const auto slots = module->slots_with_token();
    bool seen = false;
    for (auto slot : slots) {
      const auto token = module->token_info(slot);
      if (sign::detail::token_text(token.label, sizeof token.label) != "xsign-test") continue;
      sign::detail::Pkcs11Session s(module, slot, false);
      s.login(token, std::string("4711-2026"), nullptr);
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      std::string label = "trader-2026";
      const auto keys = s.find({{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label.data(), label.size()}});
      REQUIRE(keys.size() == 1);
      CHECK(s.bool_attribute(keys[0], CKA_EXTRACTABLE) == false);
      CHECK(s.bool_attribute(keys[0], CKA_SENSITIVE) == true);
      CHECK(s.probe_attribute(keys[0], CKA_VALUE) == CKR_ATTRIBUTE_SENSITIVE);
      seen = true;
    }
    CHECK(seen);
  }

  // key list shows it, with its protection.
  const auto list = xsign("key list --json" + hsm.module);
  REQUIRE(list.exit_code == 0);
  const auto listed = nlohmann::json::parse(list.out);
  bool found = false;
  for (const auto& k : listed["keys"])
    if (k["label"] == "trader-2026") {
      found = true;
      CHECK(k["suite"] == "p256");
      CHECK(k["extractable"] == false);
    }
  CHECK(found);

  // A certificate for the token key (its CSR signed on the token), then a signature.
  run_ok("csr --key '" + uri + "'" + hsm.module + " --subject '/C=RU/O=Volga/CN=Token Trader' --out " + q(pki.f("tok.csr")));
  run_ok("ca issue " + q(pki.f("tok.csr")) + " --dir " + q(pki.f("ca")) + " --profile trader --out " + q(pki.f("tok.pem")));
  run_ok("sign " + q(pki.f("invoice.xml")) + " --key '" + uri + "'" + hsm.module + " --cert " + q(pki.f("tok.pem")) +
         " --out " + q(pki.f("tok.p7s")));
  CHECK(openssl_accepts(pki.dir, "p256", pki.f("tok.p7s"), pki.f("invoice.xml"), pki.f("ca.pem")));
  CHECK(xsign("inspect " + q(pki.f("tok.p7s")) + " --content " + q(pki.f("invoice.xml"))).exit_code == 0);
  // Everything the token flow wrote (request, certificate, signature) holds no private key.
  for (const std::string f : {"tok.pub", "tok.csr", "tok.pem", "tok.p7s"}) {
    CAPTURE(f);
    const std::string text = testing::read(pki.f(f));
    CHECK(text.find(testing::kPemPrivateKey) == std::string::npos);
    CHECK(text.find(testing::kPemEncryptedKey) == std::string::npos);
  }

  // Bad PINs, missing keys and mechanisms the token lacks are clear errors, and nothing is written.
  testing::write(hsm.dir.file("wrong"), "0000\n");
  auto r = xsign("sign " + q(pki.f("invoice.xml")) + " --key '" + uri + "' --pkcs11-module " + kSoftHsmModule +
                 " --pass-file " + q(hsm.dir.file("wrong")) + " --cert " + q(pki.f("tok.pem")) + " --out " + q(pki.f("bad.p7s")));
  CHECK(r.exit_code == 65);
  CHECK_THAT(r.err, Catch::Contains("CKR_PIN_INCORRECT"));
  r = xsign("sign " + q(pki.f("invoice.xml")) + " --key 'pkcs11:token=xsign-test;object=nobody'" + hsm.module + " --cert " +
            q(pki.f("tok.pem")) + " --out " + q(pki.f("bad.p7s")));
  CHECK(r.exit_code == 66);
  CHECK_THAT(r.err, Catch::Contains("no private key matches"));
  r = xsign("key gen --suite gost256 --pkcs11 'pkcs11:token=xsign-test;object=g'" + hsm.module);
  CHECK(r.exit_code == 69);
  CHECK_THAT(r.err, Catch::Contains("CKR_MECHANISM_INVALID"));
  // SM2 needs the vendor's mechanisms: none given is a usage error; the Sansec preset reaches
  // the token, which (SoftHSM) does not know the vendor mechanism.
  r = xsign("key gen --suite sm2 --pkcs11 'pkcs11:token=xsign-test;object=s'" + hsm.module);
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("vendor-defined"));
  r = xsign("key gen --suite sm2 --pkcs11 'pkcs11:token=xsign-test;object=s' --pkcs11-sm2 sansec" + hsm.module);
  CHECK(r.exit_code == 69);
  CHECK_THAT(r.err, Catch::Contains("CKR_MECHANISM_INVALID"));
  r = xsign("key gen --suite sm2 --pkcs11 'pkcs11:token=xsign-test;object=s' --pkcs11-sm2 frobnicate" + hsm.module);
  CHECK(r.exit_code == 64);
  r = xsign("key gen --suite p256 --pkcs11 '" + uri + "'" + hsm.module);
  CHECK(r.exit_code == 64);  // keys are never replaced
  CHECK_THAT(r.err, Catch::Contains("already"));
  r = xsign("sign " + q(pki.f("invoice.xml")) + " --key 'pkcs11:token=xsign-test;object=x;frobnicate=1'" + hsm.module +
            " --cert " + q(pki.f("tok.pem")) + " --out " + q(pki.f("bad.p7s")));
  CHECK(r.exit_code == 64);
  r = xsign("sign " + q(pki.f("invoice.xml")) + " --key 'pkcs11:token=xsign-test;object=x' --pass-file " + q(hsm.pin_file) +
            " --cert " + q(pki.f("tok.pem")) + " --out " + q(pki.f("bad.p7s")));
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("--pkcs11-module"));
  CHECK_FALSE(fs::exists(pki.f("bad.p7s")));
}

TEST_CASE("A CA whose key is on the token issues certificates openssl verifies, and its directory holds no key",
          "[keys][pkcs11][ca][interop]") {
  SoftHsm hsm;
  testing::TempDir dir;
  const std::string profile = profile_for(dir, "p256");
  run_ok("key gen --suite p256 --pkcs11 'pkcs11:token=xsign-test;object=root-2026'" + hsm.module);
  run_ok("ca init --dir " + q(dir.file("root")) + " --profile " + q(profile) +
         " --key 'pkcs11:token=xsign-test;object=root-2026'" + hsm.module + " --out " + q(dir.file("root.pem")));
  CHECK(fs::exists(dir.file("root/ca.keyref")));
  CHECK_FALSE(fs::exists(dir.file("root/ca.key")));
  const std::string ref = testing::read(dir.file("root/ca.keyref"));
  CHECK_THAT(ref, Catch::Contains("module-path="));
  CHECK_THAT(ref, !Catch::Contains("4711"));  // no PIN in the reference

  // The CA key opens from the reference (module-path in it), the PIN from --pass-file.
  run_ok("ca init --role issuing --parent " + q(dir.file("root")) + " --parent-pass-file " + q(hsm.pin_file) + " --dir " +
         q(dir.file("issuing")) + " --profile " + q(profile) + " --no-encrypt --out " + q(dir.file("issuing.pem")));
  run_ok("key gen --suite p256 --no-encrypt --out " + q(dir.file("t.key")));
  run_ok("csr --key " + q(dir.file("t.key")) + " --subject '/C=RU/O=Volga/CN=Trader' --out " + q(dir.file("t.csr")));
  run_ok("ca issue " + q(dir.file("t.csr")) + " --dir " + q(dir.file("issuing")) + " --profile trader --out " +
         q(dir.file("t.pem")));
  run_ok("ca crl --dir " + q(dir.file("root")) + " --pass-file " + q(hsm.pin_file) + " --out " + q(dir.file("root.crl")));
  const auto v = testing::openssl_plain("verify -crl_check -CAfile " + q(dir.file("root.pem")) + " -CRLfile " +
                                        q(dir.file("root.crl")) + " -untrusted " + q(dir.file("issuing.pem")) + " " +
                                        q(dir.file("issuing.pem")));
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK(testing::openssl_plain("verify -CAfile " + q(dir.file("root.pem")) + " -untrusted " + q(dir.file("issuing.pem")) +
                               " " + q(dir.file("t.pem")))
            .exit_code == 0);
  CHECK_FALSE(private_key_on_disk(dir.file("root")));
  // The audit log names the token key.
  const auto log = xsign("ca log --dir " + q(dir.file("root")));
  CHECK_THAT(log.out, Catch::Contains("PKCS#11 token 'xsign-test' key 'root-2026'"));
}

TEST_CASE("External signers: openssl signs for xsign in every suite, and openssl verifies the CAdES",
          "[keys][external][interop]") {
  for (std::string suite : {"sm2", "gost256", "gost512", "p256"}) {
    CAPTURE(suite);
    SmallPki pki(suite);
    const std::string key = pki.f("trader.key");
    // The message on stdin (ext:), or its digest (ext-digest:, SM2: of Z || M).
    run_ok("sign " + q(pki.f("invoice.xml")) + " --key " + q("ext:" + openssl_signer(suite, key)) + " --cert " +
           q(pki.f("trader.pem")) + " --out " + q(pki.f("ext.p7s")));
    CHECK(openssl_accepts(pki.dir, suite, pki.f("ext.p7s"), pki.f("invoice.xml"), pki.f("ca.pem")));
    const std::string by_digest = (is_gost(suite) ? "OPENSSL_CONF=" + q(testing::gost_conf_path()) + " " : std::string()) +
                                  "openssl pkeyutl -sign -inkey " + q(key);
    run_ok("sign " + q(pki.f("invoice.xml")) + " --key " + q("ext-digest:" + by_digest) + " --cert " +
           q(pki.f("trader.pem")) + " --out " + q(pki.f("extd.p7s")));
    CHECK(openssl_accepts(pki.dir, suite, pki.f("extd.p7s"), pki.f("invoice.xml"), pki.f("ca.pem")));
  }
}

TEST_CASE("A failing, lying or hanging external signer is an error, and no output is written", "[keys][external]") {
  SmallPki pki("p256");
  SmallPki other("p256");
  const std::string base = "sign " + q(pki.f("invoice.xml")) + " --cert " + q(pki.f("trader.pem")) + " --out " + q(pki.f("x.p7s"));
  struct Case {
    std::string key, message;
  };
  const std::vector<Case> cases{
      {"ext:exit 3", "exit status 3"},
      {"ext:true", "printed nothing"},
      {"ext:echo 3045022100aa", "does not verify"},
      {"ext:head -c 200 /dev/zero", "does not verify"},
      {"ext:" + openssl_signer("p256", other.f("trader.key")), "does not verify"},  // another key
      {"ext:cat", "does not verify"},  // echoes the message back
  };
  for (const auto& c : cases) {
    CAPTURE(c.key);
    const auto r = xsign(base + " --key " + q(c.key));
    CHECK(r.exit_code == 69);
    CHECK_THAT(r.err, Catch::Contains(c.message));
    CHECK_FALSE(fs::exists(pki.f("x.p7s")));
  }
  const auto slow = xsign(base + " --ext-timeout 1 --key 'ext:sleep 30'");
  CHECK(slow.exit_code == 69);
  CHECK_THAT(slow.err, Catch::Contains("did not answer within 1 s"));
  const auto big = xsign(base + " --key 'ext:head -c 10000000 /dev/zero'");
  CHECK(big.exit_code == 69);
  CHECK_THAT(big.err, Catch::Contains("64 KiB"));
  CHECK_FALSE(fs::exists(pki.f("x.p7s")));
}

TEST_CASE("Two-step signing: --prepare, a signature made elsewhere by openssl, --complete", "[keys][external][interop]") {
  for (std::string suite : {"gost256", "p256"}) {
    CAPTURE(suite);
    SmallPki pki(suite);
    const std::string doc = pki.f("invoice.xml"), cert = " --cert " + q(pki.f("trader.pem"));
    run_ok("sign " + q(doc) + cert + " --prepare " + q(pki.f("tbs.der")));
    CHECK(fs::exists(pki.f("tbs.der.json")));
    CHECK_FALSE(fs::exists(doc + ".p7s"));
    // The air-gapped machine: openssl signs the to-be-signed bytes with the key file.
    const std::string digest = suite == "p256" ? "sha256" : "md_gost12_256";
    REQUIRE(openssl_for(suite, "dgst -" + digest + " -sign " + q(pki.f("trader.key")) + " -out " + q(pki.f("tbs.sig")) +
                                   " " + q(pki.f("tbs.der")))
                .exit_code == 0);
    run_ok("sign " + q(doc) + cert + " --complete " + q(pki.f("tbs.sig")) + " --prepared " + q(pki.f("tbs.der")));
    CHECK(openssl_accepts(pki.dir, suite, doc + ".p7s", doc, pki.f("ca.pem")));

    // A document changed between the steps, or a signature of something else, is refused.
    testing::write(pki.f("other.xml"), "<Invoice><No>SH-MOW-78</No></Invoice>\n");
    auto r = xsign("sign " + q(pki.f("other.xml")) + cert + " --complete " + q(pki.f("tbs.sig")) + " --prepared " +
                   q(pki.f("tbs.der")));
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("not the document that was prepared"));
    // A state file that is not ours, or to-be-signed bytes changed after --prepare.
    testing::write(pki.f("fake.der"), testing::read(pki.f("tbs.der")));
    testing::write(pki.f("fake.der.json"), "{\"format\": \"something else\"}");
    r = xsign("sign " + q(doc) + cert + " --complete " + q(pki.f("tbs.sig")) + " --prepared " + q(pki.f("fake.der")) +
              " --force --out " + q(pki.f("j.p7s")));
    CHECK(r.exit_code == 65);
    testing::write(pki.f("fake.der.json"), testing::read(pki.f("tbs.der.json")));
    testing::write(pki.f("fake.der"), testing::read(pki.f("tbs.der")) + "x");
    r = xsign("sign " + q(doc) + cert + " --complete " + q(pki.f("tbs.sig")) + " --prepared " + q(pki.f("fake.der")) +
              " --force --out " + q(pki.f("j.p7s")));
    CHECK(r.exit_code == 65);
    CHECK_THAT(r.err, Catch::Contains("differs from what"));
    testing::write(pki.f("junk.sig"), std::string(64, 'x'));
    r = xsign("sign " + q(doc) + cert + " --complete " + q(pki.f("junk.sig")) + " --prepared " + q(pki.f("tbs.der")) +
              " --force --out " + q(pki.f("j.p7s")));
    CHECK(r.exit_code == 69);
    CHECK_FALSE(fs::exists(pki.f("j.p7s")));
  }
}

TEST_CASE("The CA audit log records every action in a hash chain, and an edited or deleted row is named",
          "[ca][audit]") {
  SmallPki pki("gost256");
  run_ok("ca revoke $(" + q(XSIGN_BIN) + " ca list --dir " + q(pki.f("ca")) + " --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"serial\"])') --dir " +
         q(pki.f("ca")) + " --reason keyCompromise");
  run_ok("ca crl --dir " + q(pki.f("ca")) + " --out " + q(pki.f("ca.crl")));
  const auto shown = xsign("ca log --dir " + q(pki.f("ca")) + " --json");
  REQUIRE(shown.exit_code == 0);
  const auto j = nlohmann::json::parse(shown.out);
  std::vector<std::string> actions;
  for (const auto& e : j["entries"]) actions.push_back(e["action"]);
  CHECK(actions == std::vector<std::string>{"init", "issue", "revoke", "crl"});
  CHECK(j["verified"] == true);
  const auto head = xsign("ca log --head --dir " + q(pki.f("ca")));
  REQUIRE(head.exit_code == 0);
  const std::string recorded = head.out.substr(0, head.out.find('\n'));
  CHECK(xsign("ca log --verify --dir " + q(pki.f("ca")) + " --expect-head " + recorded).exit_code == 0);

  auto edit = [&](const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(pki.f("ca/store.sqlite").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  };
  SECTION("an edited row") {
    edit("UPDATE audit_log SET details = 'serial 01, reason superseded' WHERE seq = 3");
    const auto r = xsign("ca log --verify --dir " + q(pki.f("ca")));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("TAMPERED: entry 3"));
  }
  SECTION("an edited row with its own hash recomputed breaks the next link") {
    sign::AuditEntry e;
    {
      auto store = sign::open_sqlite_store(pki.f("ca/store.sqlite"));
      e = store->audit_log().at(1);
    }
    e.details = "serial 00, profile trader, subject someone else";
    edit("UPDATE audit_log SET details = '" + e.details + "', hash = '" + sign::audit_entry_hash(e) + "' WHERE seq = 2");
    const auto r = xsign("ca log --verify --dir " + q(pki.f("ca")));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("entry 3"));
  }
  SECTION("a deleted row") {
    edit("DELETE FROM audit_log WHERE seq = 2");
    const auto r = xsign("ca log --verify --dir " + q(pki.f("ca")) + " --json");
    CHECK(r.exit_code == 1);
    const auto out = nlohmann::json::parse(r.out);
    CHECK(out["first_bad_entry"] == 2);
    CHECK_THAT(out["problem"].get<std::string>(), Catch::Contains("missing"));
  }
  SECTION("the newest rows deleted: only the recorded head tells") {
    edit("DELETE FROM audit_log WHERE seq >= 3");
    CHECK(xsign("ca log --verify --dir " + q(pki.f("ca"))).exit_code == 0);
    const auto r = xsign("ca log --verify --dir " + q(pki.f("ca")) + " --expect-head " + recorded);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, Catch::Contains("deleted"));
  }
}

TEST_CASE("Offline root: the issuing CA is made from a CSR signed at the root, with no shared directory",
          "[ca][custody][interop]") {
  testing::TempDir offline, online;
  const std::string profile = kProfiles + "ru.toml";
  testing::write(offline.file("pass"), "root ceremony 2026\n");
  run_ok("ca init --dir " + q(offline.file("root")) + " --profile " + q(profile) + " --pass-file " + q(offline.file("pass")) +
         " --out " + q(offline.file("root.pem")));
  // Online: the issuing CA's key and request.
  run_ok("key gen --suite gost256 --no-encrypt --out " + q(online.file("issuing.key")));
  run_ok("csr --key " + q(online.file("issuing.key")) + " --subject '/C=RU/O=Moscow Trusted Trade CA/CN=Issuing CA 2' --out " +
         q(online.file("issuing.csr")));
  // Carried to the offline root, signed, carried back with the root's chain.
  fs::copy_file(online.file("issuing.csr"), offline.file("issuing.csr"));
  run_ok("ca sign-csr " + q(offline.file("issuing.csr")) + " --dir " + q(offline.file("root")) + " --pass-file " +
         q(offline.file("pass")) + " --out " + q(offline.file("issuing.pem")));
  fs::copy_file(offline.file("issuing.pem"), online.file("issuing.pem"));
  fs::copy_file(offline.file("root/chain.pem"), online.file("root-chain.pem"));
  run_ok("ca init --role issuing --dir " + q(online.file("issuing")) + " --profile " + q(profile) + " --key " +
         q(online.file("issuing.key")) + " --cert " + q(online.file("issuing.pem")) + " --parent-chain " +
         q(online.file("root-chain.pem")) + " --no-encrypt");
  run_ok("key gen --suite gost256 --no-encrypt --out " + q(online.file("t.key")));
  run_ok("csr --key " + q(online.file("t.key")) + " --subject '/C=RU/O=Volga/CN=Trader' --out " + q(online.file("t.csr")));
  run_ok("ca issue " + q(online.file("t.csr")) + " --dir " + q(online.file("issuing")) + " --profile trader --out " +
         q(online.file("t.pem")));
  const auto v = testing::openssl_gost("verify -CAfile " + q(offline.file("root.pem")) + " -untrusted " +
                                       q(online.file("issuing/ca.pem")) + " " + q(online.file("t.pem")));
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  // The root's log records the subordinate; a certificate for another key is refused.
  CHECK_THAT(xsign("ca log --dir " + q(offline.file("root"))).out, Catch::Contains("Issuing CA 2"));
  run_ok("key gen --suite gost256 --no-encrypt --out " + q(online.file("other.key")));
  const auto wrong = xsign("ca init --role issuing --dir " + q(online.file("issuing-b")) + " --profile " + q(profile) +
                           " --key " + q(online.file("other.key")) + " --cert " + q(online.file("issuing.pem")) +
                           " --parent-chain " + q(online.file("root-chain.pem")) + " --no-encrypt");
  CHECK(wrong.exit_code == 64);
  CHECK_THAT(wrong.err, Catch::Contains("does not match the certificate"));
  CHECK_FALSE(fs::exists(online.file("issuing-b")));
}

TEST_CASE("serve refuses a root CA directory, serves the issuing CA with its own key passphrases, publishes the root's CRL",
          "[ca][custody][server]") {
  testing::TempDir d;
  const std::string profile = kProfiles + "ru.toml";
  testing::write(d.file("root-pass"), "root passphrase 2026\n");
  run_ok("ca init --dir " + q(d.file("root")) + " --profile " + q(profile) + " --pass-file " + q(d.file("root-pass")));
  ::setenv("XSIGN_TEST_ISSUING_PASS", "issuing passphrase 2026", 1);
  ::setenv("XSIGN_TEST_TSA_PASS", "issuing passphrase 2026", 1);
  run_ok("ca init --role issuing --parent " + q(d.file("root")) + " --parent-pass-file " + q(d.file("root-pass")) +
         " --dir " + q(d.file("issuing")) + " --profile " + q(profile) + " --pass-env XSIGN_TEST_ISSUING_PASS");
  run_ok("ca service --dir " + q(d.file("issuing")) + " --role tsa --pass-env XSIGN_TEST_TSA_PASS");
  const int port = testing::free_port();
  const auto refused = testing::run("timeout 10 " + q(XSIGN_BIN) + " serve --ca " + q(d.file("root")) + " --pass-file " +
                                    q(d.file("root-pass")) + " --listen 127.0.0.1:" + std::to_string(port));
  CHECK(refused.exit_code == 64);
  CHECK_THAT(refused.err, Catch::Contains("is a root CA"));

  fs::create_directories(d.file("published"));
  run_ok("ca crl --dir " + q(d.file("root")) + " --pass-file " + q(d.file("root-pass")) + " --out " +
         q(d.file("published/root.crl")));
  // Each key with its own source: the CA key from one variable, the TSA key from another (fd 3).
  testing::write(d.file("tsa-pass"), "issuing passphrase 2026\n");
  const std::string log = d.file("serve.log");
  const std::string cmd = q(XSIGN_BIN) + " serve --ca " + q(d.file("issuing")) + " --publish " + q(d.file("published")) +
                          " --key-pass issuing/ca=env:XSIGN_TEST_ISSUING_PASS --key-pass issuing/tsa=fd:3 --listen 127.0.0.1:" +
                          std::to_string(port) + " 3<" + q(d.file("tsa-pass")) + " >" + q(log) + " 2>&1 </dev/null & echo $!";
  const auto started = testing::run(cmd);
  const int pid = std::stoi(started.out);
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = testing::run("curl -sf http://127.0.0.1:" + std::to_string(port) + "/health").exit_code == 0;
    if (!up) testing::run("sleep 0.1");
  }
  INFO(testing::read(log));
  REQUIRE(up);
  const auto crl = testing::run("curl -sf -o " + q(d.file("got.crl")) + " http://127.0.0.1:" + std::to_string(port) + "/crl/root.crl");
  CHECK(crl.exit_code == 0);
  // The published PEM file goes out as DER (application/pkix-crl), as openssl converts it.
  REQUIRE(testing::openssl_gost("crl -in " + q(d.file("published/root.crl")) + " -outform DER -out " + q(d.file("root.der")))
              .exit_code == 0);
  CHECK(testing::read(d.file("got.crl")) == testing::read(d.file("root.der")));
  CHECK(testing::run("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(port) +
                     "/crl/..%2Froot-pass.crl").out == "404");
  testing::run("kill " + std::to_string(pid) + "; sleep 0.5");
  ::unsetenv("XSIGN_TEST_ISSUING_PASS");
  ::unsetenv("XSIGN_TEST_TSA_PASS");
  // The server's key use is in the issuing CA's audit log.
  const auto audit = xsign("ca log --dir " + q(d.file("issuing")));
  CHECK_THAT(audit.out, Catch::Contains("xsign serve opened the CA key"));
  CHECK_THAT(audit.out, Catch::Contains("xsign serve stopped after signing"));
  CHECK(xsign("ca log --verify --dir " + q(d.file("issuing"))).exit_code == 0);
}

TEST_CASE("Passphrases from a descriptor, new ones checked for length", "[keys][passphrase]") {
  testing::TempDir dir;
  testing::write(dir.file("pass"), "Shanghai-Moscow 2026\n");
  run_ok("key gen --suite sm2 --pass-fd 3 --out " + q(dir.file("k.pem")) + " 3<" + q(dir.file("pass")));
  const auto info = xsign("key pub " + q(dir.file("k.pem")) + " --pass-fd 4 4<" + q(dir.file("pass")));
  CHECK(info.exit_code == 0);
  CHECK_THAT(info.out, Catch::Contains("PUBLIC KEY"));
  const auto empty = xsign("key pub " + q(dir.file("k.pem")) + " --pass-fd 5 5</dev/null");
  CHECK(empty.exit_code == 65);
  CHECK_THAT(empty.err, Catch::Contains("--pass-fd 5"));
  // A terminal session: typed too short, then typed twice differently (script gives a pty).
  // (Typed after the prompt is up: a prompt discards what was typed ahead, as getpass does.)
  const auto short_pass = testing::run("(sleep 1; printf 'abc\\n') | script -qec " +
                                       q(std::string(XSIGN_BIN) + " key gen --suite sm2 --out " + dir.file("s.pem")) + " /dev/null");
  CHECK_THAT(short_pass.out, Catch::Contains("at least 8 characters"));
  CHECK_FALSE(fs::exists(dir.file("s.pem")));

  // Ctrl-C at the prompt: echo is off while it waits, and on again once xsign is gone.
  const std::string inner = std::string(XSIGN_BIN) + " key gen --suite sm2 --out " + dir.file("c.pem") +
                            " & sleep 1; stty -a | grep -o -- \"-echo \"; kill -INT $!; wait; "
                            "stty -a | grep -o -- \" echo \\|-echo \" | sed s/^/after:/";
  // (script's own input stays open and silent meanwhile, as a person at the prompt would be.)
  const auto interrupted = testing::run("sleep 4 | script -qec " + q("sh -c " + q(inner)) + " /dev/null");
  CHECK_THAT(interrupted.out, Catch::Contains("-echo"));        // silenced during the prompt
  CHECK_THAT(interrupted.out, Catch::Contains("after: echo"));  // restored after SIGINT
  CHECK_FALSE(fs::exists(dir.file("c.pem")));
}

TEST_CASE("Bulk revocation from a list is all or none, each revocation in the audit log", "[ca][audit]") {
  SmallPki pki("p256");
  for (int i = 0; i < 5; ++i)
    run_ok("ca issue " + q(pki.f("t.csr")) + " --dir " + q(pki.f("ca")) + " --profile trader --out " +
           q(pki.f("c" + std::to_string(i) + ".pem")));
  const auto listed = nlohmann::json::parse(xsign("ca list --json --dir " + q(pki.f("ca"))).out);
  std::string serials = "# leaked batch 2026-12\n";
  for (const auto& e : listed) serials += e["serial"].get<std::string>() + "\n";
  testing::write(pki.f("bad.txt"), serials + "00ff\n");
  auto r = xsign("ca revoke --serials-from " + q(pki.f("bad.txt")) + " --dir " + q(pki.f("ca")) + " --reason keyCompromise");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("00ff") && Catch::Contains("nothing was revoked"));
  CHECK(xsign("ca list --dir " + q(pki.f("ca"))).out.find("REVOKED") == std::string::npos);
  testing::write(pki.f("good.txt"), serials);
  r = xsign("ca revoke --serials-from - --dir " + q(pki.f("ca")) + " --reason keyCompromise < " + q(pki.f("good.txt")));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto after = nlohmann::json::parse(xsign("ca list --json --dir " + q(pki.f("ca"))).out);
  REQUIRE(after.size() == 6);
  for (const auto& e : after) CHECK(e["status"] == "revoked");
  const auto log = nlohmann::json::parse(xsign("ca log --json --dir " + q(pki.f("ca"))).out);
  std::size_t revocations = 0;
  for (const auto& e : log["entries"]) revocations += e["action"] == "revoke";
  CHECK(revocations == 6);
  CHECK(log["verified"] == true);
}
