// A CA in PostgreSQL through the CLI, and several `xsign serve` nodes sharing it: issuance from
// several processes at once (no duplicate serial, no lost row, kill -9 leaves nothing the store
// does not know), revocation seen by every node's OCSP at once, one CRL for all nodes, unique
// TSA serials across nodes, a node killed mid-request while the others answer, readiness that
// follows the database. The concurrency checks run on SQLite too.
#include <catch2/catch.hpp>

#include <sign/ca.hpp>
#include <sign/error.hpp>
#include <sign/pki.hpp>
#include <sign/tsp.hpp>

#include "postgres_fixture.hpp"
#include "support.hpp"

#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

using testing::q;
using testing::xsign;
namespace fs = std::filesystem;

namespace {

const std::string kProfile = XSIGN_SOURCE_DIR "/certs/ru.toml";

struct Workspace {
  testing::TempDir dir;
  std::string f(const std::string& n) const { return dir.file(n); }
  void run_ok(const std::string& args) {
    const auto r = xsign(args);
    INFO(args << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  // A root CA (the store given, or SQLite) and a trader request to issue from.
  void make_ca(const std::string& ca, const std::string& store_url) {
    run_ok("ca init --dir " + q(f(ca)) + " --profile " + q(kProfile) + " --no-encrypt --out " + q(f("root.pem")) +
           (store_url.empty() ? "" : " --store " + q(store_url)));
    run_ok("key gen --suite gost256 --no-encrypt --out " + q(f("t.key")));
    run_ok("csr --key " + q(f("t.key")) + " --subject /C=RU/O=Trader/CN=Ivan --out " + q(f("t.csr")));
  }
  std::vector<nlohmann::json> list(const std::string& ca) {
    const auto r = xsign("ca list --json --dir " + q(f(ca)));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    return {j.begin(), j.end()};
  }
  std::set<std::string> serials_in_store(const std::string& ca) {
    std::set<std::string> out;
    for (const auto& r : list(ca)) out.insert(r["serial"].get<std::string>());
    return out;
  }
  // Serials of the certificate files the CLI wrote into `out_dir`.
  std::vector<std::string> serials_written(const std::string& out_dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(f(out_dir))) out.push_back(sign::Certificate::load(e.path().string()).serial_hex());
    return out;
  }
  // A shell line that runs `processes` loops of `each` issuances in parallel into `out_dir`.
  std::string issuing_loops(const std::string& ca, const std::string& out_dir, int processes, int each) {
    fs::create_directories(f(out_dir));
    std::string cmd;
    for (int p = 1; p <= processes; ++p)
      cmd += "(for i in $(seq " + std::to_string(each) + "); do " + q(XSIGN_BIN) + " ca issue " + q(f("t.csr")) +
             " --dir " + q(f(ca)) + " --profile trader --out " + q(f(out_dir)) + "/p" + std::to_string(p) +
             "-$i.pem 2>>" + q(f("errors")) + " || echo FAIL; done) & ";
    return cmd + "wait";
  }
};

// Eight processes issue at once; then the same with kill -9 in the middle.
void check_concurrent_issuance(Workspace& w, const std::string& store_url) {
  w.make_ca("ca", store_url);
  const auto r = testing::run(w.issuing_loops("ca", "out", 8, 5));
  INFO(testing::read(w.f("errors")));
  CHECK(r.out.find("FAIL") == std::string::npos);
  const auto written = w.serials_written("out");
  CHECK(written.size() == 40);
  const std::set<std::string> unique(written.begin(), written.end());
  CHECK(unique.size() == 40);  // no duplicate serial
  CHECK(w.serials_in_store("ca") == unique);  // no lost row, nothing extra
  CHECK(xsign("ca log --verify --dir " + q(w.f("ca"))).exit_code == 0);  // one audit chain, no forks

  // kill -9 in the middle of issuing: every certificate that reached a file is in the store.
  const auto killed = testing::run("setsid sh -c " + q(w.issuing_loops("ca", "killed", 4, 200)) +
                                   " >/dev/null 2>&1 & pid=$!; sleep 2; kill -9 -- -$pid; wait $pid; echo done");
  REQUIRE(killed.exit_code == 0);
  ::usleep(300 * 1000);  // the killed group's last processes are gone
  const auto survivors = w.serials_written("killed");
  CHECK(!survivors.empty());
  const auto stored = w.serials_in_store("ca");
  for (const auto& s : survivors) CHECK(stored.count(s) == 1);
  CHECK(xsign("ca log --verify --dir " + q(w.f("ca"))).exit_code == 0);
}

std::string ocsp_status(const std::string& cert, const std::string& issuer, const std::string& url) {
  const auto r = xsign("ocsp check --json " + q(cert) + " --issuer " + q(issuer) + " --url " + q(url));
  const auto at = r.out.find("\"status\": \"");
  return at == std::string::npos ? "error: " + r.err : r.out.substr(at + 11, r.out.find('"', at + 11) - at - 11);
}

}  // namespace

TEST_CASE("Eight processes issuing against one SQLite store: no duplicate serial, no lost row, kill -9 safe",
          "[ca][store][concurrency]") {
  Workspace w;
  check_concurrent_issuance(w, "");
}

TEST_CASE("Eight processes issuing against one PostgreSQL store: no duplicate serial, no lost row, kill -9 safe",
          "[ca][store][concurrency][postgresql]") {
  testing::PostgresServer pg;
  Workspace w;
  check_concurrent_issuance(w, pg.create_database("ca"));
}

TEST_CASE("A CA in PostgreSQL through the CLI: init --store, issue, revoke, CRL, log, and one CA per database",
          "[ca][cli][postgresql]") {
  testing::PostgresServer pg;
  const std::string url = pg.create_database("cn");
  Workspace w;
  w.make_ca("ca", url);
  CHECK_FALSE(fs::exists(w.f("ca/store.sqlite")));
  CHECK(testing::read(w.f("ca/store.url")) == url + "\n");
  CHECK((fs::status(w.f("ca/store.url")).permissions() & fs::perms::others_read) == fs::perms::none);
  w.run_ok("ca issue " + q(w.f("t.csr")) + " --dir " + q(w.f("ca")) + " --profile trader --out " + q(w.f("t.pem")));
  const std::string serial = sign::Certificate::load(w.f("t.pem")).serial_hex();
  CHECK(pg.psql("cn", "SELECT count(*) FROM issued WHERE serial = '" + serial + "'").out == "1\n");
  w.run_ok("ca revoke " + serial + " --dir " + q(w.f("ca")) + " --reason keyCompromise");
  w.run_ok("ca crl --dir " + q(w.f("ca")) + " --out " + q(w.f("ca.crl")));
  const auto crl = sign::Crl::load(w.f("ca.crl"));
  CHECK(crl.find(sign::from_hex(serial)) != nullptr);
  CHECK(xsign("ca log --verify --dir " + q(w.f("ca"))).exit_code == 0);
  CHECK(pg.psql("cn", "SELECT action FROM audit_log ORDER BY seq").out == "init\nissue\nrevoke\ncrl\n");

  // A second CA on the same database is refused, and leaves no directory behind.
  const auto second = xsign("ca init --dir " + q(w.f("other")) + " --profile " + q(kProfile) + " --no-encrypt --store " + q(url));
  CHECK(second.exit_code == 64);
  CHECK_THAT(second.err, Catch::Contains("already holds a CA"));
  CHECK_FALSE(fs::exists(w.f("other")));
  // Pointing a CA directory at another CA's database is refused on open.
  const std::string url2 = pg.create_database("ru");
  w.run_ok("ca init --dir " + q(w.f("ru")) + " --profile " + q(kProfile) + " --no-encrypt --store " + q(url2) + " --out " +
           q(w.f("ru.pem")));
  testing::write(w.f("ru/store.url"), url + "\n");
  const auto wrong = xsign("ca list --dir " + q(w.f("ru")));
  CHECK(wrong.exit_code != 0);
  CHECK_THAT(wrong.err, Catch::Contains("is the store of"));
  // A store.url that is not a PostgreSQL URL (edited, or a file put there) is named as such.
  testing::write(w.f("ru/store.url"), "file:///etc/passwd\n");
  const auto garbage = xsign("ca list --dir " + q(w.f("ru")));
  CHECK(garbage.exit_code == 65);
  CHECK_THAT(garbage.err, Catch::Contains("store.url") && Catch::Contains("not a PostgreSQL URL"));
  // Not a PostgreSQL URL.
  const auto bad = xsign("ca init --dir " + q(w.f("bad")) + " --profile " + q(kProfile) + " --no-encrypt --store mysql://x/y");
  CHECK(bad.exit_code == 64);
  CHECK_FALSE(fs::exists(w.f("bad")));
}

TEST_CASE("ca migrate moves a SQLite CA into PostgreSQL without losing a row", "[ca][cli][postgresql]") {
  testing::PostgresServer pg;
  Workspace w;
  w.make_ca("ca", "");
  for (int i = 0; i < 3; ++i)
    w.run_ok("ca issue " + q(w.f("t.csr")) + " --dir " + q(w.f("ca")) + " --profile trader --out " +
             q(w.f("t" + std::to_string(i) + ".pem")));
  const std::string revoked = sign::Certificate::load(w.f("t1.pem")).serial_hex();
  w.run_ok("ca revoke " + revoked + " --dir " + q(w.f("ca")) + " --reason superseded");
  w.run_ok("ca crl --dir " + q(w.f("ca")) + " --out " + q(w.f("before.crl")));
  const auto list_before = xsign("ca list --json --dir " + q(w.f("ca"))).out;
  const auto head_before = xsign("ca log --head --dir " + q(w.f("ca"))).out;

  // Into a database that already holds rows: refused, nothing changes.
  const std::string busy = pg.create_database("busy");
  // (a store of version 1 with a counter: opening it migrates it, and it is not empty)
  REQUIRE(pg.psql("busy", std::string(testing::kStoreSchemaV1Sql) + "INSERT INTO counters VALUES ('crl_number', 7);")
              .exit_code == 0);
  const auto refused = xsign("ca migrate --dir " + q(w.f("ca")) + " --to " + q(busy));
  CHECK(refused.exit_code == 64);
  CHECK_THAT(refused.err, Catch::Contains("already holds"));
  CHECK(fs::exists(w.f("ca/store.sqlite")));
  CHECK_FALSE(fs::exists(w.f("ca/store.url")));
  CHECK(xsign("ca list --json --dir " + q(w.f("ca"))).out == list_before);

  const std::string url = pg.create_database("moved");
  w.run_ok("ca migrate --dir " + q(w.f("ca")) + " --to " + q(url));
  CHECK(fs::exists(w.f("ca/store.url")));
  CHECK_FALSE(fs::exists(w.f("ca/store.sqlite")));
  CHECK(fs::exists(w.f("ca/store.sqlite.before-migration")));
  CHECK(xsign("ca list --json --dir " + q(w.f("ca"))).out == list_before);  // every row, same status
  // The audit chain continues from the same head (the migration is one more entry).
  CHECK(xsign("ca log --verify --expect-head " + q(head_before.substr(0, head_before.find('\n'))) + " --dir " +
              q(w.f("ca")))
            .exit_code == 0);
  CHECK(pg.psql("moved", "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1").out == "migrate\n");
  // Counters continue: the next CRL has the next number.
  w.run_ok("ca crl --dir " + q(w.f("ca")) + " --out " + q(w.f("after.crl")));
  CHECK(sign::Crl::load(w.f("after.crl")).crl_number() == *sign::Crl::load(w.f("before.crl")).crl_number() + 1);
  // Migrating twice is refused.
  CHECK(xsign("ca migrate --dir " + q(w.f("ca")) + " --to " + q(url)).exit_code == 64);
}

TEST_CASE("Three serve nodes share one PostgreSQL store: one answer from every node", "[server][postgresql]") {
  testing::PostgresServer pg;
  Workspace w;
  w.make_ca("base/ca", pg.create_database("shared"));
  w.run_ok("ca service --dir " + q(w.f("base/ca")) + " --role tsa --no-encrypt");
  w.run_ok("ca service --dir " + q(w.f("base/ca")) + " --role ocsp --no-encrypt");
  // Each node gets its own copy of the directory, as on separate machines.
  std::vector<std::unique_ptr<testing::ServeProcess>> nodes;
  for (int n = 1; n <= 3; ++n) {
    const std::string dir = w.f("node" + std::to_string(n) + "/ca");
    fs::create_directories(fs::path(dir).parent_path());
    fs::copy(w.f("base/ca"), dir, fs::copy_options::recursive);
    nodes.push_back(std::make_unique<testing::ServeProcess>(std::vector<std::string>{dir}, testing::free_port()));
  }

  // Issuance from the three copies at once.
  std::string loops;
  for (int n = 1; n <= 3; ++n) {
    fs::create_directories(w.f("certs"));
    loops += "(for i in 1 2 3 4; do " + q(XSIGN_BIN) + " ca issue " + q(w.f("t.csr")) + " --dir " +
             q(w.f("node" + std::to_string(n) + "/ca")) + " --profile trader --out " + q(w.f("certs")) + "/n" +
             std::to_string(n) + "-$i.pem || echo FAIL; done) & ";
  }
  CHECK(testing::run(loops + "wait").out.find("FAIL") == std::string::npos);
  const auto serials = w.serials_written("certs");
  CHECK(std::set<std::string>(serials.begin(), serials.end()).size() == 12);
  CHECK(w.serials_in_store("node3/ca").size() == 12 + 2);  // and the TSA and OCSP certificates

  // Revoked through one node's directory: every node's OCSP says so on the next request.
  const std::string victim = w.f("certs/n1-1.pem");
  for (auto& node : nodes) CHECK(ocsp_status(victim, w.f("root.pem"), node->url("/ocsp")) == "good");
  w.run_ok("ca revoke " + sign::Certificate::load(victim).serial_hex() + " --dir " + q(w.f("node2/ca")) +
           " --reason keyCompromise");
  for (auto& node : nodes) CHECK(ocsp_status(victim, w.f("root.pem"), node->url("/ocsp")) == "revoked");
  CHECK(ocsp_status(w.f("certs/n2-1.pem"), w.f("root.pem"), nodes[2]->url("/ocsp")) == "good");

  // One CRL for all nodes: the first node to need it signs it, the others serve that one.
  std::set<std::string> crls;
  for (auto& node : nodes) {
    const auto r = testing::run("curl -sf " + q(node->url("/crl/ca.crl")));
    REQUIRE(r.exit_code == 0);
    crls.insert(r.out);
    const auto crl = sign::Crl::from_der(sign::Bytes(r.out.begin(), r.out.end()));
    CHECK(crl.find(sign::from_hex(sign::Certificate::load(victim).serial_hex())) != nullptr);
  }
  CHECK(crls.size() == 1);

  // Time-stamp serials are unique across nodes (ranges reserved in the shared store).
  std::set<sign::Bytes> ts_serials;
  const std::string doc = "invoice";
  for (int round = 0; round < 3; ++round)
    for (auto& node : nodes)
      ts_serials.insert(sign::request_time_stamp(node->url("/tsa"), sign::DigestAlgorithm::streebog256,
                                                 sign::ByteView(reinterpret_cast<const std::uint8_t*>(doc.data()), doc.size()))
                            .info.serial);
  CHECK(ts_serials.size() == 9);

  // A node killed in the middle of a request: a round-robin client moving on to the next node
  // still gets every answer, from the two that are left.
  {
    testing::RawClient half(std::stoi(nodes[1]->url("").substr(17)));
    REQUIRE(half.send("POST /ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123"));
    ::kill(nodes[1]->pid(), SIGKILL);
    const bool answered_after_kill = half.readable(2000) && !half.read_some().empty();
    CHECK_FALSE(answered_after_kill);
  }
  int answered = 0;
  for (int i = 0; i < 6; ++i)
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto status = ocsp_status(victim, w.f("root.pem"), nodes[(i + attempt) % 3]->url("/ocsp"));
      if (status.rfind("error", 0) == 0) continue;
      CHECK(status == "revoked");
      ++answered;
      break;
    }
  CHECK(answered == 6);

  // Readiness follows the database; liveness does not.
  const std::string ready = nodes[0]->url("/ready"), health = nodes[0]->url("/health");
  CHECK(testing::run("curl -s -o /dev/null -w '%{http_code}' " + q(ready)).out == "200");
  pg.stop();
  CHECK(testing::run("curl -s -o /dev/null -w '%{http_code}' " + q(ready)).out == "503");
  CHECK(testing::run("curl -s -o /dev/null -w '%{http_code}' " + q(health)).out == "200");
  CHECK(ocsp_status(victim, w.f("root.pem"), nodes[0]->url("/ocsp")).rfind("error", 0) == 0);  // no stale answer
  pg.start();
  CHECK(testing::run("curl -s -o /dev/null -w '%{http_code}' " + q(ready)).out == "200");
  CHECK(ocsp_status(victim, w.f("root.pem"), nodes[0]->url("/ocsp")) == "revoked");
}

TEST_CASE("Backup of a CA in PostgreSQL: ca backup copies the directory, pg_dump and pg_restore the store",
          "[ca][cli][postgresql]") {
  testing::PostgresServer pg;
  Workspace w;
  w.make_ca("ca", pg.create_database("live"));
  w.run_ok("ca issue " + q(w.f("t.csr")) + " --dir " + q(w.f("ca")) + " --profile trader --out " + q(w.f("t.pem")));
  const std::string serial = sign::Certificate::load(w.f("t.pem")).serial_hex();
  w.run_ok("ca revoke " + serial + " --dir " + q(w.f("ca")) + " --reason keyCompromise");

  const auto backup = xsign("ca backup --dir " + q(w.f("ca")) + " --out " + q(w.f("backup")));
  CHECK(backup.exit_code == 0);
  CHECK_THAT(backup.err, Catch::Contains("pg_dump"));
  CHECK(fs::exists(w.f("backup/store.url")));
  CHECK_FALSE(fs::exists(w.f("backup/store.sqlite")));
  REQUIRE(pg.client("pg_dump", "--format=custom --file=" + q(w.f("live.dump")) + " live").exit_code == 0);

  // Disaster: restore the directory, and the store into a new database.
  const std::string restored_url = pg.create_database("restored");
  const auto r = pg.client("pg_restore", "--dbname=restored " + q(w.f("live.dump")));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  w.run_ok("ca restore " + q(w.f("backup")) + " --dir " + q(w.f("ca2")));
  testing::write(w.f("ca2/store.url"), restored_url + "\n");
  const auto list = w.list("ca2");
  REQUIRE(list.size() == 1);
  CHECK(list[0]["serial"] == serial);
  CHECK(list[0]["status"] == "revoked");
  CHECK(xsign("ca log --verify --dir " + q(w.f("ca2"))).exit_code == 0);
}
