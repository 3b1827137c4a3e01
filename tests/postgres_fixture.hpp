// A PostgreSQL server of the test's own: initdb in a temporary directory, listening on a Unix
// socket only, run as an unprivileged user (postgres refuses root), stopped at the end. A
// server that cannot start fails the test (REQUIRE), never skips it.
#pragma once

#include "support.hpp"

#include <string>

namespace testing {

/// The tables of CA store schema version 1, as an older xsign made them (migration tests).
extern const char* const kStoreSchemaV1Sql;

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// Creates an empty database and returns its URL (postgresql:///NAME?host=SOCKET&port=N&user=xsign).
  std::string create_database(const std::string& name);
  /// Runs SQL in a database with psql; the result's output is psql's (-At: bare values).
  CommandResult psql(const std::string& database, const std::string& sql);
  /// Runs one of PostgreSQL's client programs (pg_dump, pg_restore, ...) against this server.
  CommandResult client(const std::string& program, const std::string& args);
  /// Stops the server now (fast shutdown); start() brings it back on the same data.
  void stop();
  void start();

 private:
  std::string as_server_user(const std::string& command) const;
  TempDir dir_;
  std::string bin_, data_, socket_dir_, log_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace testing
