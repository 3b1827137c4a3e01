#include "postgres_fixture.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

namespace testing {
namespace fs = std::filesystem;

namespace {

// The newest installed server (Debian: /usr/lib/postgresql/VERSION/bin).
std::string server_bin_dir() {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(e.path() / "bin" / "postgres") && e.path().string() > best) best = e.path().string();
  return best.empty() ? best : best + "/bin";
}

}  // namespace

const char* const kStoreSchemaV1Sql =
    "CREATE TABLE xsign_schema (version integer NOT NULL); INSERT INTO xsign_schema VALUES (1);"
    "CREATE TABLE issued (serial text PRIMARY KEY, subject text NOT NULL, profile text NOT NULL,"
    " not_before bigint NOT NULL, not_after bigint NOT NULL, der bytea NOT NULL,"
    " revoked boolean NOT NULL DEFAULT false, revocation_time bigint, reason integer);"
    "CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);"
    "CREATE TABLE audit_log (seq bigint PRIMARY KEY, time bigint NOT NULL, actor text NOT NULL,"
    " action text NOT NULL, details text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL);";

PostgresServer::PostgresServer() {
  bin_ = server_bin_dir();
  INFO("PostgreSQL is not installed (scripts/setup.sh installs the Debian package postgresql)");
  REQUIRE(!bin_.empty());
  data_ = dir_.file("data");
  socket_dir_ = dir_.file("socket");
  log_ = dir_.file("server.log");
  port_ = free_port();
  fs::create_directories(socket_dir_);
  // The server user must reach its files: the test's directory is private to the test's user.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::others_exec | fs::perms::group_exec);
  if (::geteuid() == 0) run("chown postgres " + q(dir_.path().string()) + " " + q(socket_dir_));
  const auto init = run(as_server_user(q(bin_ + "/initdb") + " -D " + q(data_) +
                                       " -A trust -U xsign -E UTF8 --no-sync --no-instructions"));
  INFO(init.out << init.err);
  REQUIRE(init.exit_code == 0);
  start();
}

PostgresServer::~PostgresServer() {
  if (running_) run(as_server_user(q(bin_ + "/pg_ctl") + " -D " + q(data_) + " -m immediate -w stop"));
}

std::string PostgresServer::as_server_user(const std::string& command) const {
  return ::geteuid() == 0 ? "runuser -u postgres -- " + command : command;
}

void PostgresServer::start() {
  // Unix socket only (no TCP port to collide with), fsync off: the tests kill clients, not the machine.
  const auto r = run(as_server_user(q(bin_ + "/pg_ctl") + " -D " + q(data_) + " -l " + q(log_) + " -w -t 60 -o " +
                                    q("-k " + socket_dir_ + " -p " + std::to_string(port_) +
                                      " -c listen_addresses= -c fsync=off -c max_connections=200") +
                                    " start"));
  INFO(r.out << r.err << read(log_));
  REQUIRE(r.exit_code == 0);
  running_ = true;
}

void PostgresServer::stop() {
  const auto r = run(as_server_user(q(bin_ + "/pg_ctl") + " -D " + q(data_) + " -m fast -w stop"));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  running_ = false;
}

CommandResult PostgresServer::client(const std::string& program, const std::string& args) {
  return run(q(bin_ + "/" + program) + " -h " + q(socket_dir_) + " -p " + std::to_string(port_) + " -U xsign " + args);
}

CommandResult PostgresServer::psql(const std::string& database, const std::string& sql) {
  return client("psql", "-X -At -v ON_ERROR_STOP=1 -d " + q(database) + " -c " + q(sql));
}

std::string PostgresServer::create_database(const std::string& name) {
  const auto r = psql("postgres", "CREATE DATABASE " + name);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return "postgresql:///" + name + "?host=" + socket_dir_ + "&port=" + std::to_string(port_) + "&user=xsign";
}

}  // namespace testing
