#include "support.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <sys/wait.h>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int loopback_listener(int& port, int backlog) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0) {
    ::close(fd);
    return -1;
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

ServeProcess::ServeProcess(const std::vector<std::string>& ca_dirs, int port, const std::string& extra_args) : port_(port) {
  std::string cas;
  for (const auto& d : ca_dirs) cas += " --ca " + q(d);
  const std::string pidfile = dir_.file("pid");
  // Test CAs are often roots; a production server refuses them (tested on its own).
  const std::string cmd = q(XSIGN_BIN) + " serve --allow-root-ca" + cas + " --listen 127.0.0.1:" + std::to_string(port) + " " + extra_args + " >" +
                          q(dir_.file("log")) + " 2>&1 </dev/null & echo $! >" + q(pidfile);
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot start xsign serve");
  pid_ = std::stoi(read(pidfile));
  for (int i = 0; i < 100; ++i) {
    if (run("curl -sf " + q(url("/health"))).exit_code == 0) return;
    ::usleep(50 * 1000);
  }
  throw std::runtime_error("xsign serve did not come up: " + log());
}

ServeProcess::~ServeProcess() { stop(); }

bool ServeProcess::stop() {
  if (pid_ <= 0) return true;
  ::kill(pid_, SIGTERM);
  // A clean stop takes milliseconds; under AddressSanitizer the exit-time leak check of a
  // server that has served thousands of requests takes seconds on a loaded machine, so the
  // wait is generous. A server still running then is killed (the caller's checks see it).
  bool stopped = false;
  for (int i = 0; i < 1500 && !stopped; ++i) {
    stopped = ::waitpid(pid_, nullptr, WNOHANG) == pid_ || ::kill(pid_, 0) != 0;
    if (!stopped) ::usleep(20 * 1000);
  }
  if (!stopped) {
    std::fprintf(stderr, "test: the server (pid %d) did not stop within 30 s of SIGTERM; killing it\n", pid_);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = 0;
  return stopped;
}

std::string ServeProcess::log() const { return read(dir_.file("log")); }

CommandResult xsign(const std::string& args) { return run(q(XSIGN_BIN) + " " + args); }

const std::string& gost_conf_path() {
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

CommandResult openssl_gost(const std::string& args) {
  return run("OPENSSL_CONF=" + q(gost_conf_path()) + " openssl " + args);
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

RawClient::RawClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send(const std::string& data) {
  std::size_t done = 0;
  while (fd_ >= 0 && done < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return fd_ >= 0;
}

bool RawClient::readable(int wait_ms) {
  pollfd p{fd_, POLLIN, 0};
  return fd_ >= 0 && ::poll(&p, 1, wait_ms) > 0;
}

std::string RawClient::read_some(std::size_t max) {
  std::string out(max, '\0');
  const ssize_t n = fd_ >= 0 ? ::recv(fd_, out.data(), max, 0) : -1;
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::string RawClient::read_all(int quiet_ms) {
  std::string out;
  while (readable(quiet_ms)) {
    const std::string part = read_some(65536);
    if (part.empty()) break;
    out += part;
  }
  return out;
}

std::string http_status(const std::string& response) { return response.substr(0, std::min<std::size_t>(12, response.size())); }

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace testing
