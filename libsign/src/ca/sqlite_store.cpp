// CaStore on SQLite: one file in the CA directory, WAL journal, every write in a transaction.
#include <sign/ca.hpp>
#include <sign/error.hpp>

#include <sqlite3.h>

#include <iterator>
#include <mutex>

namespace sign {
namespace {

std::int64_t seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
TimePoint from_seconds(std::int64_t s) { return TimePoint(std::chrono::seconds(s)); }

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw IoError(std::string("CA store: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, const Bytes& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  /// True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw IoError(std::string("CA store: ") + sqlite3_errmsg(db_));
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  Bytes blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
    return Bytes(p, p + sqlite3_column_bytes(stmt_, col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Schema migrations, by PRAGMA user_version: entry N-1 brings a store from version N-1 to N.
// Stores made before versioning (user_version 0) already hold version 1's tables, which
// IF NOT EXISTS leaves alone.
constexpr const char* kMigrations[] = {
    R"(
CREATE TABLE IF NOT EXISTS issued (
  serial TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  profile TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  der BLOB NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  revocation_time INTEGER,
  reason INTEGER
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
)",
    R"(
CREATE TABLE documents (name TEXT PRIMARY KEY, der BLOB NOT NULL, made INTEGER NOT NULL);
CREATE INDEX issued_revoked ON issued (serial) WHERE revoked = 1;
)"};
static_assert(std::size(kMigrations) == kCaStoreSchemaVersion);

class SqliteStore final : public CaStore {
 public:
  explicit SqliteStore(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw IoError(file.string() + ": cannot open CA store (" + err + ")");
    }
    sqlite3_busy_timeout(db_, 5000);
    file_ = file.string();
    try {
      exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
      migrate();
    } catch (...) {
      // A refused store (newer schema, unreadable) is closed: no destructor runs for us.
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteStore() override { sqlite3_close(db_); }

  void transaction(const std::function<void()>& fn) override {
    std::lock_guard lock(mutex_);
    if (depth_ > 0) {  // joins the transaction this thread has open
      fn();
      return;
    }
    exec("BEGIN IMMEDIATE");
    ++depth_;
    try {
      fn();
      --depth_;
      exec("COMMIT");
    } catch (...) {
      depth_ = 0;
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // BEGIN IMMEDIATE already gives a transaction the only write lock of the file.
  void lock(const std::string&) override {}

  std::vector<std::pair<std::string, std::uint64_t>> counters() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT name, value FROM counters ORDER BY name");
    std::vector<std::pair<std::string, std::uint64_t>> out;
    while (s.step()) out.emplace_back(s.text(0), static_cast<std::uint64_t>(s.integer(1)));
    return out;
  }

  std::optional<StoredDocument> load_document(const std::string& name) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT der, made FROM documents WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return StoredDocument{s.blob(0), from_seconds(s.integer(1))};
  }

  void save_document(const std::string& name, const StoredDocument& d) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO documents (name, der, made) VALUES (?,?,?) "
                     "ON CONFLICT (name) DO UPDATE SET der = excluded.der, made = excluded.made");
    s.bind(1, name).bind(2, d.der).bind(3, seconds(d.made));
    s.step();
  }

  void ping() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT count(*) FROM counters");
    s.step();
  }

  unsigned schema_version() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "PRAGMA user_version");
    s.step();
    return static_cast<unsigned>(s.integer(0));
  }

  std::string location() const override { return file_; }

  bool has_serial(const std::string& serial) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT 1 FROM issued WHERE serial = ?");
    s.bind(1, serial);
    return s.step();
  }

  void add_issued(const IssuedRecord& r) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO issued (serial, subject, profile, not_before, not_after, der) VALUES (?,?,?,?,?,?)");
    s.bind(1, r.serial_hex).bind(2, r.subject).bind(3, r.profile).bind(4, seconds(r.not_before))
        .bind(5, seconds(r.not_after)).bind(6, r.der);
    s.step();
  }

  std::optional<IssuedRecord> find(const std::string& serial) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT serial, subject, profile, not_before, not_after, der, revoked, revocation_time, reason "
                     "FROM issued WHERE serial = ?");
    s.bind(1, serial);
    if (!s.step()) return std::nullopt;
    return row(s);
  }

  std::vector<IssuedRecord> list() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT serial, subject, profile, not_before, not_after, der, revoked, revocation_time, reason "
                     "FROM issued ORDER BY not_before, serial");
    std::vector<IssuedRecord> out;
    while (s.step()) out.push_back(row(s));
    return out;
  }

  void mark_revoked(const std::string& serial, TimePoint when, RevocationReason reason) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "UPDATE issued SET revoked = 1, revocation_time = ?, reason = ? WHERE serial = ? AND revoked = 0");
    s.bind(1, seconds(when)).bind(2, static_cast<std::int64_t>(reason)).bind(3, serial);
    s.step();
    if (sqlite3_changes(db_) != 1) throw UsageError("certificate " + serial + " is unknown or already revoked");
  }

  std::uint64_t advance_counter(const std::string& name, std::uint64_t count) override {
    // One transaction: one durable write, and no other process between the update and the read
    // (inside a caller's transaction, such as CRL issuance, that one is joined).
    std::uint64_t value = 0;
    transaction([&] {
      {
        Statement s(db_, "INSERT OR IGNORE INTO counters VALUES (?, 0)");
        s.bind(1, name).step();
      }
      {
        Statement s(db_, "UPDATE counters SET value = value + ? WHERE name = ?");
        s.bind(1, static_cast<std::int64_t>(count)).bind(2, name).step();
      }
      Statement s(db_, "SELECT value FROM counters WHERE name = ?");
      s.bind(1, name);
      s.step();
      value = static_cast<std::uint64_t>(s.integer(0));
    });
    return value;
  }

  AuditEntry append_audit(const std::string& actor, const std::string& action, const std::string& details,
                          TimePoint time) override {
    AuditEntry e;
    transaction([&] {
      std::uint64_t last_seq = 0;
      std::string last_hash;
      {
        Statement last(db_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        if (last.step()) {
          last_seq = static_cast<std::uint64_t>(last.integer(0));
          last_hash = last.text(1);
        }
      }
      e = next_audit_entry(last_seq, last_hash, actor, action, details, time);
      Statement ins(db_, "INSERT INTO audit_log (seq, time, actor, action, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?)");
      ins.bind(1, static_cast<std::int64_t>(e.seq)).bind(2, seconds(e.time)).bind(3, e.actor).bind(4, e.action)
          .bind(5, e.details).bind(6, e.prev_hash).bind(7, e.hash);
      ins.step();
    });
    return e;
  }

  std::vector<AuditEntry> audit_log() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT seq, time, actor, action, details, prev_hash, hash FROM audit_log ORDER BY seq");
    std::vector<AuditEntry> out;
    while (s.step())
      out.push_back({static_cast<std::uint64_t>(s.integer(0)), from_seconds(s.integer(1)), s.text(2), s.text(3), s.text(4),
                     s.text(5), s.text(6)});
    return out;
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw IoError("CA store: " + msg);
    }
  }

  // Brings the schema to kCaStoreSchemaVersion in one transaction; a newer store is refused
  // (an older xsign must not write tables it does not know).
  void migrate() {
    const unsigned version = schema_version();
    if (version > kCaStoreSchemaVersion)
      throw UsageError(file_ + ": the CA store is at schema version " + std::to_string(version) +
                       ", newer than this xsign knows (" + std::to_string(kCaStoreSchemaVersion) + "); upgrade xsign");
    if (version == kCaStoreSchemaVersion) return;
    transaction([&] {
      // Read again under the write lock: another process may have migrated meanwhile.
      for (unsigned v = schema_version(); v < kCaStoreSchemaVersion; ++v) exec(kMigrations[v]);
      exec(("PRAGMA user_version = " + std::to_string(kCaStoreSchemaVersion)).c_str());
    });
  }

  static IssuedRecord row(const Statement& s) {
    IssuedRecord r;
    r.serial_hex = s.text(0);
    r.subject = s.text(1);
    r.profile = s.text(2);
    r.not_before = from_seconds(s.integer(3));
    r.not_after = from_seconds(s.integer(4));
    r.der = s.blob(5);
    r.revoked = s.integer(6) != 0;
    r.revocation_time = from_seconds(s.integer(7));
    r.reason = static_cast<RevocationReason>(s.integer(8));
    return r;
  }

  sqlite3* db_ = nullptr;
  std::string file_;
  int depth_ = 0;  // transaction() calls open on this connection (under mutex_)
  // One connection shared by a server's threads: every call, and a whole transaction, holds it.
  std::recursive_mutex mutex_;
};

}  // namespace

std::unique_ptr<CaStore> open_sqlite_store(const std::filesystem::path& file) {
  return std::make_unique<SqliteStore>(file);
}

void backup_sqlite_store(const std::filesystem::path& from, const std::filesystem::path& to) {
  // The online backup API reads a consistent snapshot through SQLite itself, committed WAL
  // frames included, while other processes (a running `xsign serve`) keep writing. Copying the
  // file alone would lose whatever is still in store.sqlite-wal.
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close_both = [&] {
    sqlite3_close(src);
    sqlite3_close(dst);
  };
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string err = src ? sqlite3_errmsg(src) : "out of memory";
    close_both();
    throw IoError(from.string() + ": cannot open the CA store for backup (" + err + ")");
  }
  sqlite3_busy_timeout(src, 5000);
  if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    const std::string err = dst ? sqlite3_errmsg(dst) : "out of memory";
    close_both();
    throw IoError(to.string() + ": cannot create the backup store (" + err + ")");
  }
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) {
    const std::string err = sqlite3_errmsg(dst);
    close_both();
    throw IoError("backup of " + from.string() + " failed (" + err + ")");
  }
  int rc;
  while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    const std::string err = sqlite3_errstr(rc);
    close_both();
    throw IoError("backup of " + from.string() + " failed (" + err + ")");
  }
  // The copy is checked before anyone relies on it.
  std::string check;
  sqlite3_exec(
      dst, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        *static_cast<std::string*>(out) += values[0] ? values[0] : "";
        return 0;
      },
      &check, nullptr);
  close_both();
  if (check != "ok") throw IoError(to.string() + ": the backup store fails its integrity check (" + check + ")");
}

}  // namespace sign
