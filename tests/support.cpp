#include "support.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>

namespace testing {

TempDir::TempDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("xsign-test-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string q(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

CommandResult run(const std::string& command) {
  TempDir dir;
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  const std::string full = "( " + command + " ) </dev/null >" + q(out) + " 2>" + q(err);
  const int status = std::system(full.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, read(out), read(err)};
}

CommandResult xsign(const std::string& args) { return run(q(XSIGN_BIN) + " " + args); }

namespace {

const std::string& gost_conf() {
  static const std::string path = [] {
    const auto p = std::filesystem::temp_directory_path() / "xsign-test-openssl-gost.cnf";
    write(p.string(),
          "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n"
          "[engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n"
          "dynamic_path = " GOST_ENGINE_PATH "\ndefault_algorithms = ALL\n");
    return p.string();
  }();
  return path;
}

}  // namespace

CommandResult openssl_gost(const std::string& args) {
  return run("OPENSSL_CONF=" + q(gost_conf()) + " openssl " + args);
}

CommandResult openssl_plain(const std::string& args) {
  // An empty configuration of our own: no engine, and no dependence on /dev/null or the
  // system openssl.cnf.
  static const std::string path = [] {
    const auto p = std::filesystem::temp_directory_path() / "xsign-test-openssl-plain.cnf";
    write(p.string(), "# no engines\n");
    return p.string();
  }();
  return run("OPENSSL_CONF=" + q(path) + " openssl " + args);
}

}  // namespace testing
