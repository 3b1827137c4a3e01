// libpq, PostgreSQL's own client library, opened with dlopen the first time a CA store URL is
// used. Linking it would load it and the 14 libraries it needs (Kerberos, LDAP, GnuTLS, ...)
// into every xsign process, about 4 ms of start-up for commands that never touch PostgreSQL.
#pragma once

#include <sign/crypto.hpp>
#include <sign/error.hpp>

#include "support/lazy_library.hpp"

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

namespace sign::detail {

/// libpq.so.5, opened on first use (support/lazy_library.hpp); a missing library is a
/// UsageError naming the Debian package. The CA store calls it only through PQ_CALL(function).
const LazyLibrary& libpq();
#define PQ_CALL(fn) LAZY_CALL(::sign::detail::libpq(), fn)

/// One query parameter: text, or binary (bytea).
struct PgParam {
  std::string value;
  bool binary = false;
  PgParam(std::string v) : value(std::move(v)) {}
  PgParam(const char* v) : value(v) {}
  PgParam(std::int64_t v) : value(std::to_string(v)) {}
  PgParam(const Bytes& v) : value(std::string(v.begin(), v.end())), binary(true) {}
};

/// A query's result (text format); throws nothing once made.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r, PQ_CALL(PQclear)) {}
  int rows() const { return PQ_CALL(PQntuples)(r_.get()); }
  bool null(int row, int col) const { return PQ_CALL(PQgetisnull)(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  Bytes bytea(int row, int col) const;  ///< a bytea column in its hex output form
  std::uint64_t affected() const;       ///< rows an INSERT/UPDATE/DELETE touched
  const PGresult* raw() const { return r_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

/// One connection. Errors are PgError (an IoError) naming the store.
class PgConnection {
 public:
  explicit PgConnection(const std::string& url, const std::string& label);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
  /// Several statements without parameters (schema migrations).
  void exec_script(const std::string& sql);
  /// False after the server went away: such a connection is dropped, not reused.
  bool healthy() const;
  bool in_transaction() const;

 private:
  PgResult checked(PgResult result);
  PGconn* c_ = nullptr;
  std::string label_;
};

/// The error of a failed PostgreSQL statement (the store retries a call once on a fresh
/// connection when the one it used is broken).
class PgError : public IoError {
 public:
  using IoError::IoError;
};

}  // namespace sign::detail
