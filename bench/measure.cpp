#include "measure.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string what, base_label, target;
  double ours, base, ratio, ratio_min, ratio_max;
  bool single;
};
std::vector<Row> rows;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string describe(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Spawns argv with the environment plus `env`, output to /dev/null (or both streams to out_fd);
// returns the pid.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, int out_fd = -1) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0) {  // both streams: a failing tool's own explanation ends up in the error
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

double round_seconds = 0.5;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double rate(const std::function<void()>& fn) {
  fn();  // warm-up
  std::size_t n = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 8; ++i) fn();
    n += 8;
    elapsed = seconds_since(start);
  } while (elapsed < round_seconds);
  return static_cast<double>(n) / elapsed;
}

void paired(const std::string& what, const std::function<double()>& ours, const std::string& base_label,
            const std::function<double()>& base, const std::string& target) {
  std::vector<double> o, b, ratios;
  for (int round = 0; round < kRounds; ++round) {
    double x = 0, y = 0;
    if (round % 2 == 0) {
      x = ours();
      y = base();
    } else {
      y = base();
      x = ours();
    }
    if (!(x > 0) || !(y > 0)) throw std::runtime_error(what + ": a side could not be measured");
    o.push_back(x);
    b.push_back(y);
    ratios.push_back(x / y);
  }
  const auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
  rows.push_back({what, base_label, target, median(o), median(b), median(ratios), *lo, *hi, false});
  std::fprintf(stderr, "  %-66s %12.1f  vs %-26s %12.1f  = %.2fx (%.2f-%.2f)\n", what.c_str(), median(o),
               base_label.c_str(), median(b), median(ratios), *lo, *hi);
}

void against_target(const std::string& what, double ours, double target_value, const std::string& target) {
  if (!(ours > 0)) throw std::runtime_error(what + ": could not be measured");
  rows.push_back({what, "target", target, ours, target_value, ours / target_value, 0, 0, true});
  std::fprintf(stderr, "  %-66s %12.1f  vs target %12.1f\n", what.c_str(), ours, target_value);
}

void print_table() {
  std::printf("| measurement | ours | baseline | baseline value | ratio (median) | min–max of %d rounds | target |\n"
              "|---|---:|---|---:|---:|---|---|\n",
              kRounds);
  for (const auto& r : rows) {
    char spread[64] = "—";
    if (!r.single) std::snprintf(spread, sizeof spread, "%.2f–%.2f", r.ratio_min, r.ratio_max);
    std::printf("| %s | %.1f | %s | %.1f | %.2f | %s | %s |\n", r.what.c_str(), r.ours, r.base_label.c_str(), r.base,
                r.ratio, spread, r.target.c_str());
  }
  std::fflush(stdout);
}

void run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  const int rc = wait_for(spawn(argv, env));
  if (rc != 0) throw std::runtime_error("`" + describe(argv) + "` exited with " + std::to_string(rc));
}

OnOneCpu::OnOneCpu() {
  if (::sched_getaffinity(0, sizeof saved_, &saved_) != 0) return;
  int last = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &saved_)) last = cpu;
  if (last < 0) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(last, &one);
  pinned_ = ::sched_setaffinity(0, sizeof one, &one) == 0;
}

OnOneCpu::~OnOneCpu() {
  if (pinned_) ::sched_setaffinity(0, sizeof saved_, &saved_);
}

double process_rate(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  const OnOneCpu pinned;
  std::size_t n = 0;
  const auto start = Clock::now();
  do {
    run_process(argv, env);
    ++n;
  } while (n < 3 || seconds_since(start) < round_seconds);
  return static_cast<double>(n) / seconds_since(start);
}

Output capture(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = spawn(argv, env, fds[1]);
  ::close(fds[1]);
  Output out;
  char buf[4096];
  for (ssize_t r; (r = ::read(fds[0], buf, sizeof buf)) > 0;) out.text.append(buf, static_cast<std::size_t>(r));
  ::close(fds[0]);
  out.exit_code = wait_for(pid);
  return out;
}

long peak_rss_kib(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<std::string> probe{RSS_PROBE_BIN};
  probe.insert(probe.end(), argv.begin(), argv.end());
  const Output out = capture(probe, env);
  long rss = -1;
  int rc = -1;
  if (out.exit_code != 0 || std::sscanf(out.text.c_str(), "%ld %d", &rss, &rc) != 2 || rc != 0 || rss <= 0)
    throw std::runtime_error("`" + describe(argv) + "` could not be measured (exit " + std::to_string(rc) + ")");
  return rss;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("no free port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

double ab_rate(const std::string& url, const std::string& body_file, const std::string& content_type, int clients,
               bool keep_alive, int requests) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%d", std::max(1, static_cast<int>(round_seconds * 2 + 0.5)));
  std::vector<std::string> argv = {"ab", "-q", "-c", std::to_string(clients), "-p", body_file, "-T", content_type};
  if (keep_alive) argv.push_back("-k");
  if (requests > 0) {
    argv.insert(argv.end(), {"-n", std::to_string(requests)});
  } else {
    argv.insert(argv.end(), {"-t", seconds, "-n", "10000000"});
  }
  argv.push_back(url);
  const Output run = capture(argv);
  const std::string& out = run.text;
  auto number_after = [&](const std::string& label) {
    const auto at = out.find(label);
    return at == std::string::npos ? -1.0 : std::atof(out.c_str() + at + label.size());
  };
  // ab counts an answer whose length differs from the first one as "failed" (Length); answers
  // of a time-stamping authority differ in length (serials, times), so only the other kinds count.
  const double rps = number_after("Requests per second:");
  const double failed = out.find("Failed requests:        0") != std::string::npos
                            ? 0
                            : number_after("(Connect: ") + number_after(", Receive: ") + number_after(", Exceptions: ");
  const double non2xx = out.find("Non-2xx responses:") == std::string::npos ? 0 : number_after("Non-2xx responses:");
  if (run.exit_code != 0 || rps <= 0 || failed != 0 || non2xx != 0)
    throw std::runtime_error("ab against " + url + " failed (exit " + std::to_string(run.exit_code) + "):\n" + out);
  return rps;
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv, const std::string& log_path, const std::string& ready_text,
                             const std::vector<std::string>& env) {
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error("cannot write " + log_path);
  pid_ = spawn(argv, env, log);
  ::close(log);
  for (int i = 0; i < 400; ++i) {
    std::ifstream in(log_path);
    log_ = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (log_.find(ready_text) != std::string::npos) return;
    ::usleep(25 * 1000);
  }
  ::kill(pid_, SIGTERM);
  wait_for(pid_);
  throw std::runtime_error("`" + describe(argv) + "` did not start:\n" + log_);
}

ServerProcess::~ServerProcess() {
  ::kill(pid_, SIGTERM);
  wait_for(pid_);
}

double median_rate(const std::function<double()>& measure) {
  std::vector<double> values;
  for (int round = 0; round < kRounds; ++round) values.push_back(measure());
  return median(values);
}

}  // namespace bench
