// Never lose a file, never crash, never hang: regression tests for the CLI and the server under
// bad input (one per class of fault found by trying xsign as a new user and as an attacker).
#include <algorithm>
#include <catch2/catch.hpp>

#include <sign/asn1.hpp>
#include <sign/ca.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>
#include <sign/server.hpp>
#include <sign/pki.hpp>

#include "drip_server.hpp"
#include "io/http.hpp"
#include "support.hpp"

#include <sys/stat.h>

#include <chrono>
#include <thread>

#include <httplib.h>
#include <filesystem>

using testing::q;
using testing::xsign;
namespace fs = std::filesystem;

namespace {

// A root CA with a trader certificate, made with the CLI (unencrypted keys: no passphrases).
struct SmallCa {
  testing::TempDir dir;
  std::string f(const std::string& n) const { return dir.file(n); }
  void run_ok(const std::string& args) {
    const auto r = xsign(args);
    INFO(args << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
  }
  SmallCa() {
    run_ok("ca init --dir " + q(f("ca")) + " --profile " + q(XSIGN_SOURCE_DIR "/certs/ru.toml") + " --no-encrypt --out " +
           q(f("root.pem")));
    run_ok("key gen --suite gost256 --no-encrypt --out " + q(f("t.key")));
    run_ok("csr --key " + q(f("t.key")) + " --subject /C=RU/O=Trader/CN=Ivan --out " + q(f("t.csr")));
    run_ok("ca issue " + q(f("t.csr")) + " --dir " + q(f("ca")) + " --profile trader --out " + q(f("t.pem")));
  }
  // Names of files in a directory that look like our temporaries.
  std::vector<std::string> leftovers(const std::string& d = "") const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(d.empty() ? dir.path() : fs::path(d))) {
      const auto n = e.path().filename().string();
      if (n.find(".tmp-") != std::string::npos || n.find("xsign-scratch") != std::string::npos ||
          n.find(".partial") != std::string::npos)
        out.push_back(n);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("Outputs never replace an existing file unasked, nor anything that is not a regular file", "[safety][cli]") {
  SmallCa c;
  const std::string key_before = testing::read(c.f("t.key"));
  const auto again = xsign("key gen --suite gost256 --no-encrypt --out " + q(c.f("t.key")));
  CHECK(again.exit_code == 64);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("--force"));
  CHECK(testing::read(c.f("t.key")) == key_before);
  CHECK(xsign("key gen --suite gost256 --no-encrypt --force --out " + q(c.f("t.key"))).exit_code == 0);
  CHECK(testing::read(c.f("t.key")) != key_before);

  // A CA's key, certificate and store are never an output, even with --force.
  const std::string ca_key = testing::read(c.f("ca/ca.key"));
  for (const std::string target : {"ca/ca.key", "ca/ca.pem", "ca/store.sqlite"}) {
    const auto r = xsign("ca issue " + q(c.f("t.csr")) + " --dir " + q(c.f("ca")) + " --profile trader --force --out " +
                         q(c.f(target)));
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("belongs to the CA directory"));
  }
  CHECK(testing::read(c.f("ca/ca.key")) == ca_key);

  // Symlinks, FIFOs and devices are never replaced, with or without --force.
  fs::create_symlink(c.f("t.pem"), c.f("link.pem"));
  REQUIRE(::mkfifo(c.f("fifo").c_str(), 0600) == 0);
  for (const std::string& target : {c.f("link.pem"), c.f("fifo"), std::string("/dev/full")}) {
    const auto r = xsign("key pub " + q(c.f("t.key")) + " --force --out " + q(target));
    INFO(target << ": " << r.err);
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("refusing to replace"));
  }
  CHECK(fs::is_symlink(c.f("link.pem")));
  CHECK(fs::is_fifo(c.f("fifo")));
  CHECK(fs::is_character_file("/dev/full"));
  CHECK(c.leftovers().empty());
}

TEST_CASE("A failed time-stamped signing leaves no output, and the retry works", "[safety][cli]") {
  SmallCa c;
  testing::write(c.f("doc.xml"), "<Invoice/>\n");
  const int dead = testing::free_port();  // nothing listens there
  const auto r = xsign("sign " + q(c.f("doc.xml")) + " --key " + q(c.f("t.key")) + " --cert " + q(c.f("t.pem")) +
                       " --level T --tsa http://127.0.0.1:" + std::to_string(dead) + "/tsa --out " + q(c.f("doc.p7s")));
  CHECK(r.exit_code == 74);
  CHECK_FALSE(fs::exists(c.f("doc.p7s")));
  CHECK(c.leftovers().empty());
  // The same command against a working TSA, without --force: nothing is in the way.
  c.run_ok("ca service --dir " + q(c.f("ca")) + " --role tsa --no-encrypt");
  const int port = testing::free_port();
  testing::ServeProcess serve({c.f("ca")}, port);
  c.run_ok("sign " + q(c.f("doc.xml")) + " --key " + q(c.f("t.key")) + " --cert " + q(c.f("t.pem")) +
           " --level T --tsa " + q(serve.url("/tsa")) + " --out " + q(c.f("doc.p7s")));
  CHECK(fs::exists(c.f("doc.p7s")));
  CHECK(c.leftovers().empty());
}

TEST_CASE("ca backup keeps revocations still in the WAL of a running server, and ca restore brings them back",
          "[safety][ca]") {
  SmallCa c;
  const int port = testing::free_port();
  testing::ServeProcess serve({c.f("ca")}, port);
  const std::string serial = sign::Certificate::load(c.f("t.pem")).serial_hex();
  c.run_ok("ca revoke " + serial + " --dir " + q(c.f("ca")) + " --reason keyCompromise");
  // While serve holds the store open, the revocation sits in store.sqlite-wal.
  c.run_ok("ca backup --dir " + q(c.f("ca")) + " --out " + q(c.f("backup")));
  CHECK(xsign("ca backup --dir " + q(c.f("ca")) + " --out " + q(c.f("backup"))).exit_code == 64);  // never over a backup
  serve.stop();
  c.run_ok("ca restore " + q(c.f("backup")) + " --dir " + q(c.f("restored")));
  const auto list = xsign("ca list --dir " + q(c.f("restored")) + " --json");
  REQUIRE(list.exit_code == 0);
  CHECK_THAT(list.out, Catch::Contains(serial) && Catch::Contains("\"revoked\""));
  // The restored CA answers OCSP "revoked".
  const int port2 = testing::free_port();
  testing::ServeProcess restored({c.f("restored")}, port2);
  const auto ocsp = xsign("ocsp check " + q(c.f("t.pem")) + " --issuer " + q(c.f("root.pem")) + " --url " +
                          q(restored.url("/ocsp")) + " --json");
  CHECK(ocsp.exit_code == 1);
  CHECK_THAT(ocsp.out, Catch::Contains("\"revoked\""));
  // Keys keep their permissions; restoring over an existing directory is refused.
  CHECK((fs::status(c.f("restored/ca.key")).permissions() & fs::perms::group_read) == fs::perms::none);
  CHECK(xsign("ca restore " + q(c.f("backup")) + " --dir " + q(c.f("restored"))).exit_code == 64);
  CHECK(c.leftovers().empty());
}

TEST_CASE("A second server on a busy port is refused", "[safety][server]") {
  SmallCa c;
  const int port = testing::free_port();
  testing::ServeProcess serve({c.f("ca")}, port);
  const auto second = testing::run("timeout 10 " + q(XSIGN_BIN) + " serve --allow-root-ca --ca " + q(c.f("ca")) +
                                   " --listen 127.0.0.1:" + std::to_string(port));
  CHECK(second.exit_code == 74);
  CHECK_THAT(second.err, Catch::Contains("cannot listen"));
}

TEST_CASE("Bad inputs get the documented exit codes, never a hang", "[safety][cli]") {
  SmallCa c;
  REQUIRE(::mkfifo(c.f("fifo").c_str(), 0600) == 0);
  fs::create_symlink(c.f("loop-a"), c.f("loop-b"));
  fs::create_symlink(c.f("loop-b"), c.f("loop-a"));
  testing::write(c.f("doc.xml"), "<Invoice/>\n");
  // Every command that reads a key, certificate, CSR or signature: a FIFO and a link loop.
  for (const std::string bad : {"fifo", "loop-a"}) {
    const std::string p = q(c.f(bad));
    for (const std::string& cmd :
         {"key info " + p, "inspect " + p, "verify " + q(c.f("doc.xml")) + " " + p + " --trust " + q(c.f("root.pem")),
          "ca issue " + p + " --dir " + q(c.f("ca")) + " --profile trader",
          "trustlist verify " + p + " --trust " + q(c.f("root.pem")), "ts verify " + p + " --data " + q(c.f("doc.xml")),
          "ocsp check " + p + " --issuer " + q(c.f("root.pem"))}) {
      const auto r = testing::run("timeout 20 " + q(XSIGN_BIN) + " " + cmd);
      INFO(cmd << "\n" << r.err);
      CHECK(r.exit_code == 66);
    }
  }
  // verify-batch: a missing file and a directory are input errors, not forged signatures.
  fs::create_directory(c.f("adir.p7s"));
  const auto batch = xsign("verify-batch " + q(c.f("missing.p7s")) + " " + q(c.f("adir.p7s")) + " --trust " +
                           q(c.f("root.pem")));
  CHECK(batch.exit_code == 66);
  CHECK_THAT(batch.out, Catch::Contains("INPUT-ERROR") && !Catch::Contains("FORMAT_FAILURE"));
  const auto batch_json = xsign("verify-batch " + q(c.f("missing.p7s")) + " --json --trust " + q(c.f("root.pem")));
  CHECK_THAT(batch_json.out, Catch::Contains("\"input_error\"") && !Catch::Contains("1970"));

  // Key files: junk appended, the last line cut, a hostile PBKDF2 iteration count.
  testing::write(c.f("junk.key"), testing::read(c.f("t.key")) + "trailing junk\n");
  CHECK(xsign("key info " + q(c.f("junk.key"))).exit_code == 65);
  const std::string key = testing::read(c.f("t.key"));
  testing::write(c.f("cut.key"), key.substr(0, key.size() - 10));
  CHECK(xsign("key info " + q(c.f("cut.key"))).exit_code == 65);
  using sign::der_tlv;
  const sign::Bytes kdf_params =
      sign::sequence({der_tlv(0x04, sign::Bytes(16, 1)), sign::integer_der(sign::Bytes{0x7f, 0xff, 0xff, 0xff})});
  const sign::Bytes pbes2 = sign::sequence(
      {sign::oid_der("1.2.840.113549.1.5.13"),
       sign::sequence({sign::sequence({sign::oid_der("1.2.840.113549.1.5.12"), kdf_params}),
                       sign::sequence({sign::oid_der("2.16.840.1.101.3.4.1.42"), der_tlv(0x04, sign::Bytes(16, 2))})})});
  const sign::Bytes epki = sign::sequence({pbes2, der_tlv(0x04, sign::Bytes(48, 3))});
  testing::write(c.f("slow.key"), sign::pem_encode(epki, "ENCRYPTED PRIVATE KEY"));
  testing::write(c.f("pass"), "secret\n");
  const auto start = std::chrono::steady_clock::now();
  const auto slow = xsign("key info " + q(c.f("slow.key")) + " --pass-file " + q(c.f("pass")));
  CHECK(slow.exit_code == 65);
  CHECK_THAT(slow.err, Catch::Contains("2147483647 PBKDF2 iterations"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));

  // A garbage ca.pem in a CA directory stops issuance.
  const std::string ca_pem = testing::read(c.f("ca/ca.pem"));
  testing::write(c.f("ca/ca.pem"), "garbage\n");
  CHECK(xsign("ca issue " + q(c.f("t.csr")) + " --dir " + q(c.f("ca")) + " --profile trader").exit_code == 65);
  testing::write(c.f("ca/ca.pem"), ca_pem);
}

TEST_CASE("Network calls have a total deadline: ocsp check against a dripping responder returns", "[safety][net]") {
  SmallCa c;
  testing::DripServer drip;
  const auto start = std::chrono::steady_clock::now();
  const auto r = xsign("ocsp check " + q(c.f("t.pem")) + " --issuer " + q(c.f("root.pem")) +
                       " --timeout 2 --url http://127.0.0.1:" + std::to_string(drip.port()) + "/ocsp");
  CHECK(r.exit_code == 74);
  CHECK_THAT(r.err, Catch::Contains("deadline"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(6));
}

TEST_CASE("The HTTP client follows a bounded number of GET redirects, within one deadline", "[safety][net]") {
  httplib::Server server;
  server.Get("/a", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/b", 302); });
  server.Get("/b", [](const httplib::Request&, httplib::Response& res) { res.set_content("crl bytes", "application/pkix-crl"); });
  server.Get("/loop", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/loop", 301); });
  server.Get("/ftp", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("ftp://example.org/x", 302); });
  server.Post("/ocsp", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/b", 307); });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  sign::detail::HttpLimits limits;
  limits.deadline = std::chrono::milliseconds(3000);
  const auto got = sign::detail::http_get(base + "/a", limits);
  CHECK(std::string(got.begin(), got.end()) == "crl bytes");
  CHECK_THROWS_WITH(sign::detail::http_get(base + "/loop", limits), Catch::Contains("more than 3 redirects"));
  CHECK_THROWS_WITH(sign::detail::http_get(base + "/ftp", limits), Catch::Contains("not an http(s):// URL"));
  limits.max_redirects = 0;
  CHECK_THROWS_WITH(sign::detail::http_get(base + "/a", limits), Catch::Contains("more than 0 redirects"));
  CHECK_THROWS_WITH(sign::detail::http_post(base + "/ocsp", sign::Bytes{1}, "application/ocsp-request", limits),
                    Catch::Contains("HTTP 307"));
  server.stop();
  t.join();
}

TEST_CASE("Hostile requests get 4xx answers from the server, never an internal error", "[safety][server]") {
  SmallCa c;
  c.run_ok("ca service --dir " + q(c.f("ca")) + " --role tsa --no-encrypt");
  sign::ServerConfig config;
  config.ca_dirs = {c.f("ca")};
  config.allow_root_ca = true;
  sign::Server server(config);
  const auto root = sign::Certificate::load(c.f("root.pem"));
  const auto cert = sign::Certificate::load(c.f("t.pem"));
  using sign::der_tlv;
  using sign::sequence;
  const sign::Bytes cert_id = sign::OcspCertId::of(cert, root).encode();
  auto ocsp_request = [&](const sign::Bytes& extra_tbs_field, const sign::Bytes& id) {
    sign::Bytes tbs_content = sequence({sequence({id})});
    tbs_content.insert(tbs_content.end(), extra_tbs_field.begin(), extra_tbs_field.end());
    return sequence({der_tlv(0x30, tbs_content)});
  };
  auto post = [&](const std::string& path, const sign::Bytes& body) {
    return server.handle("POST", path, std::string(body.begin(), body.end()));
  };
  // Control: a proper request is answered.
  CHECK(post("/ocsp", ocsp_request({}, cert_id)).status == 200);
  // An empty requestExtensions [2] SEQUENCE.
  CHECK(post("/ocsp", ocsp_request(der_tlv(0xa2, sequence({})), cert_id)).status == 400);
  // A CertID whose hash algorithm OID has a first arc > 2 (0x06 0x01 0x7f encodes 2.47; 0x06 0x00 is empty).
  sign::Bytes bad_id = cert_id;
  const sign::Bytes sha1_oid = sign::oid_der("1.3.14.3.2.26");
  auto at = std::search(bad_id.begin(), bad_id.end(), sha1_oid.begin(), sha1_oid.end());
  REQUIRE(at != bad_id.end());
  at[2] = 0x80;  // a non-minimal arc: not a valid OID
  const auto r = post("/ocsp", ocsp_request({}, bad_id));
  CHECK(r.status == 400);
  // Broken %-escapes and base64 in OCSP GET.
  CHECK(server.handle("GET", "/ocsp/%zz", "").status == 400);
  CHECK(server.handle("GET", "/ocsp/%4", "").status == 400);
  CHECK(server.handle("GET", "/ocsp/!!!", "").status == 400);
  // Garbage and truncated bodies to the TSA and OCSP, unknown names, other methods.
  for (const std::string& body : {std::string(), std::string("\x30\x80", 2), std::string("\x30\x03\x02\x01", 4),
                                 std::string(1000, '\xff')}) {
    CHECK(server.handle("POST", "/tsa", body).status < 500);
    CHECK(server.handle("POST", "/ocsp", body).status < 500);
  }
  CHECK(server.handle("GET", "/crl/../../etc/passwd.crl", "").status == 404);
  CHECK(server.handle("DELETE", "/health", "").status == 405);
  CHECK(server.handle("GET", "/health", "").status == 200);
}

TEST_CASE("Hostile certificates are format errors, never internal errors", "[safety][asn1]") {
  SmallCa c;
  const sign::Bytes der = sign::Certificate::load(c.f("t.pem")).der();
  const auto src = sign::memory_source(der);
  const auto top = sign::der_children(*src, sign::read_der_node(*src, 0, src->size()));
  // An empty outer signatureAlgorithm SEQUENCE.
  sign::Bytes empty_alg = sign::der_bytes(*src, top[0]);
  const sign::Bytes empty_seq{0x30, 0x00};
  empty_alg.insert(empty_alg.end(), empty_seq.begin(), empty_seq.end());
  const sign::Bytes sig = sign::der_bytes(*src, top[2]);
  empty_alg.insert(empty_alg.end(), sig.begin(), sig.end());
  CHECK_THROWS_AS(sign::Certificate::from_der(sign::der_tlv(0x30, empty_alg)), sign::FormatError);
  // Zero-length and truncated elements everywhere: every prefix of the certificate.
  for (std::size_t n = 0; n < der.size(); n += 7)
    CHECK_THROWS_AS(sign::Certificate::from_der(sign::Bytes(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(n))),
                    sign::FormatError);
  // OIDs: non-minimal arcs, truncated arcs, empty.
  CHECK_THROWS_AS(sign::oid_from_der(sign::Bytes{0x06, 0x02, 0x80, 0x01}), sign::FormatError);
  CHECK_THROWS_AS(sign::oid_from_der(sign::Bytes{0x06, 0x01, 0x81}), sign::FormatError);
  CHECK_THROWS_AS(sign::oid_from_der(sign::Bytes{0x06, 0x00}), sign::FormatError);
  CHECK(sign::oid_from_der(sign::Bytes{0x06, 0x01, 0x7f}) == "2.47");
  CHECK(sign::oid_der(sign::oid_from_der(sign::Bytes{0x06, 0x03, 0x81, 0x80, 0x00})) == sign::Bytes{0x06, 0x03, 0x81, 0x80, 0x00});
  // The longest short-form OID (127 content octets): 127 arcs, or arcs of the full 64 bits.
  sign::Bytes many{0x06, 0x7f};
  many.insert(many.end(), 127, 0x7f);
  const std::string many_text = sign::oid_from_der(many);
  CHECK(many_text.rfind("2.47.127.127.", 0) == 0);
  CHECK(std::count(many_text.begin(), many_text.end(), '.') == 127);
  CHECK(sign::oid_der(many_text) == many);
  sign::Bytes wide{0x06, 0x7f, 0x2a};  // 1.2, then 12 arcs of 2^63 (ten octets each), then 6 small arcs
  for (int i = 0; i < 12; ++i) {
    const sign::Bytes arc{0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    wide.insert(wide.end(), arc.begin(), arc.end());
  }
  wide.insert(wide.end(), 6, 0x05);
  const std::string wide_text = sign::oid_from_der(wide);
  CHECK(wide_text.rfind("1.2.9223372036854775808.", 0) == 0);
  CHECK(sign::oid_der(wide_text) == wide);
}
