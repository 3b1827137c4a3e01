// CaStore on PostgreSQL: the state of a CA shared by any number of `xsign serve` nodes and CA
// commands on any machines. Every call is one statement (atomic on its own) or runs in a
// transaction; what must happen one process at a time (audit log appends, CRL issuance,
// migrations) takes a transaction-scoped advisory lock. Serial numbers are random and the
// primary key, counters are single-row upserts: both unique across nodes without coordination.
#include <sign/ca.hpp>
#include <sign/error.hpp>

#include "ca/libpq.hpp"

#include <iterator>
#include <mutex>
#include <type_traits>

namespace sign {
namespace {

using detail::PgConnection;
using detail::PgParam;
using detail::PgResult;

std::int64_t seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint from_seconds(std::int64_t s) { return TimePoint(std::chrono::seconds(s)); }

// Migration N-1 brings the schema from version N-1 to N (xsign_schema.version).
constexpr const char* kMigrations[] = {
    R"(
CREATE TABLE issued (
  serial text PRIMARY KEY,
  subject text NOT NULL,
  profile text NOT NULL,
  not_before bigint NOT NULL,
  not_after bigint NOT NULL,
  der bytea NOT NULL,
  revoked boolean NOT NULL DEFAULT false,
  revocation_time bigint,
  reason integer
);
CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  time bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  details text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
)",
    R"(
CREATE TABLE documents (name text PRIMARY KEY, der bytea NOT NULL, made bigint NOT NULL);
CREATE INDEX issued_revoked ON issued (serial) WHERE revoked;
)"};
static_assert(std::size(kMigrations) == kCaStoreSchemaVersion);

// Advisory lock keys: FNV-1a of the name, so that locks of xsign do not collide with an
// application's small integer keys in a shared database.
std::int64_t lock_key(const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : "xsign:" + name) h = (h ^ c) * 1099511628211ull;
  return static_cast<std::int64_t>(h);
}

constexpr const char* kIssuedColumns =
    "serial, subject, profile, not_before, not_after, der, revoked, revocation_time, reason";

IssuedRecord issued_row(const PgResult& r, int i) {
  IssuedRecord rec;
  rec.serial_hex = r.text(i, 0);
  rec.subject = r.text(i, 1);
  rec.profile = r.text(i, 2);
  rec.not_before = from_seconds(r.integer(i, 3));
  rec.not_after = from_seconds(r.integer(i, 4));
  rec.der = r.bytea(i, 5);
  rec.revoked = r.text(i, 6) == "t";
  rec.revocation_time = from_seconds(r.null(i, 7) ? 0 : r.integer(i, 7));
  rec.reason = static_cast<RevocationReason>(r.null(i, 8) ? 0 : r.integer(i, 8));
  return rec;
}

class PostgresStore final : public CaStore {
 public:
  explicit PostgresStore(const std::string& url) : url_(url), label_("CA store " + redact_store_url(url)) {
    release(std::make_unique<PgConnection>(url_, label_));  // fails now, not at first use
    migrate();
  }

  void transaction(const std::function<void()>& fn) override {
    if (current()) {  // joins the transaction this thread has open
      fn();
      return;
    }
    auto conn = lease();
    conn->exec("BEGIN");
    active().push_back({this, conn.get()});
    try {
      fn();
      active().pop_back();
      conn->exec("COMMIT");
    } catch (...) {
      if (!active().empty() && active().back().first == this) active().pop_back();
      try {
        if (conn->healthy()) conn->exec("ROLLBACK");
      } catch (const std::exception&) {
        // the connection is dropped below; the server rolls back what it had
      }
      if (conn->healthy() && !conn->in_transaction()) release(std::move(conn));
      throw;
    }
    release(std::move(conn));
  }

  void lock(const std::string& name) override {
    if (!current()) throw InternalError("CaStore::lock outside a transaction");
    current()->exec("SELECT pg_advisory_xact_lock($1)", {lock_key(name)});
  }

  bool has_serial(const std::string& serial) override {
    return run([&](PgConnection& c) { return c.exec("SELECT 1 FROM issued WHERE serial = $1", {serial}).rows() > 0; });
  }

  void add_issued(const IssuedRecord& r) override {
    run([&](PgConnection& c) {
      c.exec("INSERT INTO issued (serial, subject, profile, not_before, not_after, der) VALUES ($1,$2,$3,$4,$5,$6)",
             {r.serial_hex, r.subject, r.profile, seconds(r.not_before), seconds(r.not_after), r.der});
      return 0;
    });
  }

  std::optional<IssuedRecord> find(const std::string& serial) override {
    return run([&](PgConnection& c) -> std::optional<IssuedRecord> {
      const auto r = c.exec(std::string("SELECT ") + kIssuedColumns + " FROM issued WHERE serial = $1", {serial});
      if (r.rows() == 0) return std::nullopt;
      return issued_row(r, 0);
    });
  }

  std::vector<IssuedRecord> list() override {
    return run([&](PgConnection& c) {
      const auto r = c.exec(std::string("SELECT ") + kIssuedColumns + " FROM issued ORDER BY not_before, serial");
      std::vector<IssuedRecord> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) out.push_back(issued_row(r, i));
      return out;
    });
  }

  void mark_revoked(const std::string& serial, TimePoint when, RevocationReason reason) override {
    const auto changed = run([&](PgConnection& c) {
      return c
          .exec("UPDATE issued SET revoked = true, revocation_time = $1, reason = $2 WHERE serial = $3 AND NOT revoked",
                {seconds(when), static_cast<std::int64_t>(reason), serial})
          .affected();
    });
    if (changed != 1) throw UsageError("certificate " + serial + " is unknown or already revoked");
  }

  std::uint64_t advance_counter(const std::string& name, std::uint64_t count) override {
    // One statement: the row lock makes concurrent advances from any node serial.
    return run([&](PgConnection& c) {
      return static_cast<std::uint64_t>(
          c.exec("INSERT INTO counters (name, value) VALUES ($1, $2) "
                 "ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value",
                 {name, static_cast<std::int64_t>(count)})
              .integer(0, 0));
    });
  }

  AuditEntry append_audit(const std::string& actor, const std::string& action, const std::string& details,
                          TimePoint time) override {
    AuditEntry e;
    transaction([&] {
      // Held until the caller's transaction commits: the next entry sees this one's hash.
      lock("audit");
      const auto last = current()->exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      e = last.rows() == 1 ? next_audit_entry(static_cast<std::uint64_t>(last.integer(0, 0)), last.text(0, 1), actor,
                                              action, details, time)
                           : next_audit_entry(0, "", actor, action, details, time);
      current()->exec("INSERT INTO audit_log (seq, time, actor, action, details, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7)",
                      {static_cast<std::int64_t>(e.seq), seconds(e.time), e.actor, e.action, e.details, e.prev_hash, e.hash});
    });
    return e;
  }

  std::vector<AuditEntry> audit_log() override {
    return run([&](PgConnection& c) {
      const auto r = c.exec("SELECT seq, time, actor, action, details, prev_hash, hash FROM audit_log ORDER BY seq");
      std::vector<AuditEntry> out;
      for (int i = 0; i < r.rows(); ++i)
        out.push_back({static_cast<std::uint64_t>(r.integer(i, 0)), from_seconds(r.integer(i, 1)), r.text(i, 2),
                       r.text(i, 3), r.text(i, 4), r.text(i, 5), r.text(i, 6)});
      return out;
    });
  }

  std::vector<std::pair<std::string, std::uint64_t>> counters() override {
    return run([&](PgConnection& c) {
      const auto r = c.exec("SELECT name, value FROM counters ORDER BY name");
      std::vector<std::pair<std::string, std::uint64_t>> out;
      for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), static_cast<std::uint64_t>(r.integer(i, 1)));
      return out;
    });
  }

  std::optional<StoredDocument> load_document(const std::string& name) override {
    return run([&](PgConnection& c) -> std::optional<StoredDocument> {
      const auto r = c.exec("SELECT der, made FROM documents WHERE name = $1", {name});
      if (r.rows() == 0) return std::nullopt;
      return StoredDocument{r.bytea(0, 0), from_seconds(r.integer(0, 1))};
    });
  }

  void save_document(const std::string& name, const StoredDocument& d) override {
    run([&](PgConnection& c) {
      c.exec("INSERT INTO documents (name, der, made) VALUES ($1, $2, $3) "
             "ON CONFLICT (name) DO UPDATE SET der = excluded.der, made = excluded.made",
             {name, d.der, seconds(d.made)});
      return 0;
    });
  }

  void ping() override {
    run([&](PgConnection& c) { return c.exec("SELECT 1").rows(); });
  }

  unsigned schema_version() override {
    return run([&](PgConnection& c) {
      const auto r = c.exec("SELECT version FROM xsign_schema");
      return r.rows() == 1 ? static_cast<unsigned>(r.integer(0, 0)) : 0u;
    });
  }

  std::string location() const override { return redact_store_url(url_); }

 private:
  using Active = std::pair<const PostgresStore*, PgConnection*>;

  // The transactions open on this thread (a stack: stores may nest, such as during copying).
  static std::vector<Active>& active() {
    static thread_local std::vector<Active> open;
    return open;
  }
  PgConnection* current() const {
    for (auto it = active().rbegin(); it != active().rend(); ++it)
      if (it->first == this) return it->second;
    return nullptr;
  }

  std::unique_ptr<PgConnection> lease() {
    {
      std::lock_guard lock(pool_mutex_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    return std::make_unique<PgConnection>(url_, label_);
  }

  void release(std::unique_ptr<PgConnection> c) {
    std::lock_guard lock(pool_mutex_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
  }

  // One statement (or a few read-only ones) on this thread's transaction if it has one, else
  // on a pooled connection in autocommit. A connection the server dropped (restart, failover)
  // is discarded and the call tried once more on a fresh one.
  template <typename Fn>
  std::invoke_result_t<Fn&, PgConnection&> run(Fn&& fn) {
    if (PgConnection* c = current()) return fn(*c);
    for (int attempt = 0;; ++attempt) {
      auto conn = lease();
      try {
        auto result = fn(*conn);
        release(std::move(conn));
        return result;
      } catch (const detail::PgError&) {
        if (conn->healthy()) {
          release(std::move(conn));
          throw;
        }
        if (attempt > 0) throw;
      }
    }
  }

  void migrate() {
    transaction([&] {
      // Nodes starting together: one migrates, the others wait and find it done.
      lock("migrate");
      current()->exec("CREATE TABLE IF NOT EXISTS xsign_schema (version integer NOT NULL)");
      const unsigned version = schema_version();
      if (version > kCaStoreSchemaVersion)
        throw UsageError(label_ + " is at schema version " + std::to_string(version) + ", newer than this xsign knows (" +
                         std::to_string(kCaStoreSchemaVersion) + "); upgrade xsign");
      if (version == kCaStoreSchemaVersion) return;
      for (unsigned v = version; v < kCaStoreSchemaVersion; ++v) current()->exec_script(kMigrations[v]);
      current()->exec("DELETE FROM xsign_schema");
      current()->exec("INSERT INTO xsign_schema (version) VALUES ($1)", {static_cast<std::int64_t>(kCaStoreSchemaVersion)});
    });
  }

  static constexpr std::size_t kMaxIdle = 16;
  std::string url_, label_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
};

}  // namespace

std::unique_ptr<CaStore> open_postgresql_store(const std::string& url) { return std::make_unique<PostgresStore>(url); }

}  // namespace sign
