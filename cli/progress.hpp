// Progress on long work, for people at a terminal: a bar with bytes or items, the rate and an
// ETA on standard error — only when standard error is a terminal, never with --quiet, never
// into a pipe or a log. Colour never (NO_COLOR has nothing to switch off).
#pragma once

#include <sign/asn1.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace xsign {

/// Turns progress off for the whole run (--quiet).
void set_quiet(bool quiet);

class Progress {
 public:
  /// `bytes`: totals are shown in MiB, else as items.
  Progress(std::string label, std::uint64_t total, bool bytes);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  /// Raises the amount done (thread-safe; draws at most ten times a second).
  void advance_to(std::uint64_t done);
  void advance_by(std::uint64_t n);
  /// True when progress would be drawn at all (a terminal, not quiet).
  static bool wanted();

 private:
  void draw(bool final);
  std::string label_;
  std::uint64_t total_, done_ = 0;
  bool bytes_, active_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mutex_;
};

/// The source, reporting how far it has been read (for documents of 16 MiB and more).
std::shared_ptr<const sign::ByteSource> with_progress(std::shared_ptr<const sign::ByteSource> source, const std::string& label);

}  // namespace xsign
