// How the benchmark measures: paired, interleaved rounds against a baseline measured in the
// same run; whole processes; an external HTTP client (ab). Nothing is asserted.
#pragma once

#include <sched.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace bench {

/// Seconds of work per measurement of one side in one round.
extern double round_seconds;
/// Rounds per paired row (each round measures ours, then the baseline, alternating who goes first).
inline constexpr int kRounds = 5;

/// Operations per second of fn, run repeatedly for about round_seconds (after one warm-up call).
double rate(const std::function<void()>& fn);

/// A row: our figure and the baseline's, each the median over the rounds, and the median of the
/// per-round ratios ours/baseline with its minimum and maximum.
void paired(const std::string& what, const std::function<double()>& ours, const std::string& base_label,
            const std::function<double()>& base, const std::string& target);

/// A row against a fixed figure (a target such as 32 MiB): one measurement, no rounds.
void against_target(const std::string& what, double ours, double target_value, const std::string& target);

/// The table, in Markdown, to stdout.
void print_table();

/// Runs argv (env entries "NAME=value" added) with stdout and stderr to /dev/null and waits;
/// throws when it cannot start or exits non-zero (a row that cannot be measured is an error).
void run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

/// While it lives, the bench (and every process it starts) runs on one CPU, the same for ours
/// and the baseline: on the 2-vCPU host the bench was written on, one vCPU ran the same
/// hashing 1.6 times slower than the other, and where a side landed decided a row. Not for
/// rows that need several CPUs (batches, the server).
class OnOneCpu {
 public:
  OnOneCpu();
  ~OnOneCpu();
  OnOneCpu(const OnOneCpu&) = delete;
  OnOneCpu& operator=(const OnOneCpu&) = delete;

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

/// Whole processes per second (run on one CPU, see OnOneCpu): argv run back to back for about round_seconds (at least 3 runs).
double process_rate(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

/// What a process wrote (standard output and error) and its exit status.
struct Output {
  int exit_code = -1;
  std::string text;
};
Output capture(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

/// Peak resident set (KiB) of one run of argv, measured by rss_probe; throws on failure.
long peak_rss_kib(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});

/// A TCP port on 127.0.0.1 that nothing listens on now (for servers that cannot pick their own).
int free_port();

/// Requests per second `ab -c CLIENTS` (with -k: keep-alive) gets POSTing `body_file` to `url`
/// for about two rounds' time or, when `requests` is set, for that many requests; throws when ab
/// fails or any request failed or was not answered 200.
double ab_rate(const std::string& url, const std::string& body_file, const std::string& content_type, int clients,
               bool keep_alive = true, int requests = 0);

/// A server started as a user starts it, its output in `log_path`; ready when the log shows
/// `ready_text` (throws after 10 s). Stopped with SIGTERM when destroyed.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, const std::string& log_path, const std::string& ready_text,
                const std::vector<std::string>& env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  /// The log as it was when the server became ready.
  const std::string& log() const { return log_; }

 private:
  int pid_ = -1;
  std::string log_;
};

/// The median of kRounds measurements (rows against a fixed target).
double median_rate(const std::function<double()>& measure);

/// The median of values (not empty).
double median(std::vector<double> values);

}  // namespace bench
