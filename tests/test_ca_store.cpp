// The CaStore contract, the same checks for SQLite and PostgreSQL: atomic transactions, unique
// serials, monotonic counters, a hash-chained audit log, shared documents, versioned schema
// migrations, and a store that belongs to one CA only.
#include <catch2/catch.hpp>

#include <sign/ca.hpp>
#include <sign/error.hpp>

#include "postgres_fixture.hpp"
#include "support.hpp"

#include <set>

using testing::q;
using testing::xsign;

namespace {

sign::IssuedRecord record(const std::string& serial) {
  sign::IssuedRecord r;
  r.serial_hex = serial;
  r.subject = "CN=" + serial;
  r.profile = "trader";
  r.not_before = sign::TimePoint(std::chrono::seconds(1767225600));
  r.not_after = r.not_before + std::chrono::hours(24 * 365);
  r.der = {0x30, 0x03, 0x02, 0x01, 0x00, 0xff};  // binary with a high byte: bytea round trip
  return r;
}

// Everything a CaStore promises, on one store.
void check_contract(sign::CaStore& store) {
  CHECK(store.schema_version() == sign::kCaStoreSchemaVersion);
  store.ping();

  store.add_issued(record("0a01"));
  CHECK(store.has_serial("0a01"));
  CHECK_FALSE(store.has_serial("0a02"));
  CHECK_THROWS(store.add_issued(record("0a01")));  // serials are unique
  const auto found = store.find("0a01");
  REQUIRE(found);
  CHECK(found->der == record("0a01").der);
  CHECK(found->not_before == record("0a01").not_before);
  CHECK_FALSE(found->revoked);

  // A transaction lands whole or not at all.
  CHECK_THROWS_AS(store.transaction([&] {
    store.add_issued(record("0b01"));
    store.append_audit("test", "issue", "serial 0b01", sign::now());
    throw sign::UsageError("stop");
  }), sign::UsageError);
  CHECK_FALSE(store.has_serial("0b01"));
  CHECK(store.audit_log().empty());
  // A nested transaction joins the outer one.
  store.transaction([&] {
    store.lock("crl");
    store.transaction([&] { store.add_issued(record("0c01")); });
    store.append_audit("test", "issue", "serial 0c01", sign::now());
  });
  CHECK(store.has_serial("0c01"));

  const auto when = sign::TimePoint(std::chrono::seconds(1767312000));
  store.mark_revoked("0a01", when, sign::RevocationReason::key_compromise);
  CHECK_THROWS_AS(store.mark_revoked("0a01", when, sign::RevocationReason::key_compromise), sign::UsageError);
  CHECK_THROWS_AS(store.mark_revoked("ffff", when, sign::RevocationReason::key_compromise), sign::UsageError);
  const auto revoked = store.find("0a01");
  REQUIRE(revoked);
  CHECK(revoked->revoked);
  CHECK(revoked->revocation_time == when);
  CHECK(revoked->reason == sign::RevocationReason::key_compromise);
  CHECK(store.list().size() == 2);

  CHECK(store.advance_counter("tsa_serial", 1024) == 1024);
  CHECK(store.advance_counter("tsa_serial", 1024) == 2048);
  CHECK(store.next_crl_number() == 1);
  CHECK(store.next_crl_number() == 2);
  const auto counters = store.counters();
  CHECK(counters == std::vector<std::pair<std::string, std::uint64_t>>{{"crl_number", 2}, {"tsa_serial", 2048}});

  store.append_audit("test", "revoke", "serial 0a01", sign::now());
  const auto log = store.audit_log();
  REQUIRE(log.size() == 2);
  CHECK(log[1].prev_hash == log[0].hash);
  CHECK(sign::verify_audit_log(log).ok);

  CHECK_FALSE(store.load_document("crl"));
  store.save_document("crl", {{1, 2, 0, 0xff}, when});
  store.save_document("crl", {{3, 4}, when + std::chrono::seconds(60)});  // replaces
  const auto doc = store.load_document("crl");
  REQUIRE(doc);
  CHECK(doc->der == sign::Bytes{3, 4});
  CHECK(doc->made == when + std::chrono::seconds(60));
}

}  // namespace

TEST_CASE("The CaStore contract holds for SQLite", "[ca][store]") {
  testing::TempDir dir;
  auto store = sign::open_sqlite_store(dir.file("store.sqlite"));
  check_contract(*store);
}

TEST_CASE("The CaStore contract holds for PostgreSQL, and the URL's password stays out of messages",
          "[ca][store][postgresql]") {
  testing::PostgresServer pg;
  const std::string url = pg.create_database("contract");
  auto store = sign::open_postgresql_store(url);
  check_contract(*store);
  CHECK_THROWS_AS(store->lock("crl"), sign::InternalError);  // a lock outside a transaction would not hold

  CHECK(sign::redact_store_url("postgresql://ca:s3cret@db.example/ca?sslmode=require") ==
        "postgresql://ca:***@db.example/ca?sslmode=require");
  CHECK(sign::redact_store_url("postgresql:///ca?host=/run&password=s3cret&user=ca") ==
        "postgresql:///ca?host=/run&password=***&user=ca");
  try {
    (void)sign::open_postgresql_store("postgresql://xsign:s3cret@127.0.0.1:1/none?connect_timeout=2");
    FAIL("connected to nothing");
  } catch (const sign::IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("cannot connect") && !Catch::Contains("s3cret"));
  }
}

TEST_CASE("Schema migrations: older stores are brought up to date, newer ones are refused", "[ca][store][postgresql]") {
  SECTION("PostgreSQL") {
    testing::PostgresServer pg;
    const std::string url = pg.create_database("old");
    // A store of schema version 1 (before documents and the revoked index), with a row.
    REQUIRE(pg.psql("old", std::string(testing::kStoreSchemaV1Sql) +
                               "INSERT INTO issued (serial, subject, profile, not_before, not_after, der) VALUES"
                           " ('01', 'CN=a', 'trader', 0, 1, '\\x3000');")
              .exit_code == 0);
    {
      auto store = sign::open_postgresql_store(url);
      CHECK(store->schema_version() == 2);
      CHECK(store->has_serial("01"));
      store->save_document("crl", {{1}, sign::now()});  // a version 2 table
    }
    CHECK(pg.psql("old", "SELECT indexname FROM pg_indexes WHERE tablename = 'issued' ORDER BY 1").out ==
          "issued_pkey\nissued_revoked\n");
    REQUIRE(pg.psql("old", "UPDATE xsign_schema SET version = 99").exit_code == 0);
    CHECK_THROWS_WITH(sign::open_postgresql_store(url), Catch::Contains("schema version 99") && Catch::Contains("upgrade xsign"));
  }
  SECTION("SQLite") {
    testing::TempDir dir;
    const std::string file = dir.file("store.sqlite");
    // A store made before versioning (user_version 0) has version 1's tables.
    {
      auto store = sign::open_sqlite_store(file);
      store->add_issued(record("01"));
    }
    REQUIRE(testing::run("python3 -c " + q("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                                             "c.execute('DROP TABLE documents'); c.execute('DROP INDEX issued_revoked'); "
                                             "c.execute('PRAGMA user_version = 0'); c.commit()") +
                         " " + q(file))
                .exit_code == 0);
    {
      auto store = sign::open_sqlite_store(file);
      CHECK(store->schema_version() == 2);
      CHECK(store->has_serial("01"));
      store->save_document("crl", {{1}, sign::now()});
    }
    REQUIRE(testing::run("python3 -c " + q("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                                             "c.execute('PRAGMA user_version = 99'); c.commit()") +
                         " " + q(file))
                .exit_code == 0);
    CHECK_THROWS_WITH(sign::open_sqlite_store(file), Catch::Contains("schema version 99"));
  }
}
