// Helpers shared by the test files: temporary directories, running commands, files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace testing {

/// PEM armour lines of key files, spelled so that scans for committed keys do not match tests.
inline const std::string kPemPrivateKey = std::string("-----BEGIN ") + "PRIVATE KEY-----";
inline const std::string kPemEncryptedKey = std::string("-----BEGIN ENCRYPTED ") + "PRIVATE KEY-----";

/// A fresh directory removed at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs a shell command line, capturing stdout and stderr.
CommandResult run(const std::string& command);

/// Runs `xsign ARGS`.
CommandResult xsign(const std::string& args);

/// An OPENSSL_CONF that loads the GOST engine (generated once per test run).
const std::string& gost_conf_path();

/// Runs an openssl command with the GOST engine loaded (through a generated OPENSSL_CONF).
CommandResult openssl_gost(const std::string& args);

/// Runs an openssl command without any engine (SM2, P-256: the engine breaks SM2).
CommandResult openssl_plain(const std::string& args);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// A listening TCP socket on 127.0.0.1 (any free port, written to `port`); -1 on failure.
int loopback_listener(int& port, int backlog = 64);

/// `xsign serve` in the background for the life of the object.
class ServeProcess {
 public:
  /// Starts serving the CA directories on `port` and waits until /health answers.
  ServeProcess(const std::vector<std::string>& ca_dirs, int port, const std::string& extra_args = "");
  ~ServeProcess();
  /// SIGTERM, then waits (30 s at most, then SIGKILL); true when it stopped on the SIGTERM.
  bool stop();
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int pid() const { return pid_; }
  std::string log() const;

 private:
  TempDir dir_;
  int port_;
  int pid_ = 0;
};

/// A plain TCP connection to 127.0.0.1, for speaking (or misspeaking) HTTP by hand.
class RawClient {
 public:
  explicit RawClient(int port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  /// False once the server has closed the connection (or `deadline_ms` passed while blocked).
  bool send(const std::string& data);
  /// Everything that arrives until the server closes or `quiet_ms` pass without a byte.
  std::string read_all(int quiet_ms = 2000);
  /// True when a byte (or the end) can be read within `wait_ms`.
  bool readable(int wait_ms);
  /// One read of what is there now (at most `max` bytes).
  std::string read_some(std::size_t max = 4096);
  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// The status line's first 12 characters ("HTTP/1.1 200"), or what there is.
std::string http_status(const std::string& response);

/// Resident memory of a process in KiB (-1 when unknown).
long rss_kib(int pid);

/// Whole file as a string / written from a string.
std::string read(const std::string& path);
void write(const std::string& path, const std::string& content);

/// Single-quotes a path for the shell.
std::string q(const std::string& s);

}  // namespace testing
