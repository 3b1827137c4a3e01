#include "progress.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include <unistd.h>

namespace xsign {
namespace {

std::atomic<bool> g_quiet{false};
constexpr std::uint64_t kMinBytes = 16u * 1024 * 1024;

class ProgressSource final : public sign::ByteSource {
 public:
  ProgressSource(std::shared_ptr<const sign::ByteSource> inner, const std::string& label)
      : inner_(std::move(inner)), progress_(std::make_unique<Progress>(label, inner_->size(), true)) {}
  std::uint64_t size() const override { return inner_->size(); }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    inner_->read(offset, out);
    progress_->advance_to(offset + out.size());
  }

 private:
  std::shared_ptr<const sign::ByteSource> inner_;
  std::unique_ptr<Progress> progress_;
};

}  // namespace

void set_quiet(bool quiet) { g_quiet = quiet; }

bool Progress::wanted() { return !g_quiet && ::isatty(STDERR_FILENO); }

Progress::Progress(std::string label, std::uint64_t total, bool bytes)
    : label_(std::move(label)), total_(total), bytes_(bytes), active_(wanted() && total > 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() {
  if (!active_) return;
  std::lock_guard lock(mutex_);
  if (done_ > 0) draw(true);
}

void Progress::advance_to(std::uint64_t done) {
  if (!active_) return;
  std::lock_guard lock(mutex_);
  if (done <= done_) return;  // a second pass (attaching after hashing) restarts nothing
  done_ = std::min(done, total_);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
  last_draw_ = now;
  draw(false);
}

void Progress::advance_by(std::uint64_t n) {
  if (!active_) return;
  std::uint64_t target;
  {
    std::lock_guard lock(mutex_);
    target = done_ + n;
  }
  advance_to(target);
}

void Progress::draw(bool final) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double fraction = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
  char line[256];
  if (bytes_)
    std::snprintf(line, sizeof line, "\r%s [%s] %3.0f%%  %.0f/%.0f MiB  %.0f MiB/s  ETA %.0fs ", label_.c_str(), bar.c_str(),
                  fraction * 100, static_cast<double>(done_) / 1048576.0, static_cast<double>(total_) / 1048576.0,
                  rate / 1048576.0, eta);
  else
    std::snprintf(line, sizeof line, "\r%s [%s] %3.0f%%  %llu/%llu  %.1f/s  ETA %.0fs ", label_.c_str(), bar.c_str(),
                  fraction * 100, static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_), rate, eta);
  std::fputs(line, stderr);
  if (final) std::fputs("\n", stderr);
  std::fflush(stderr);
}

std::shared_ptr<const sign::ByteSource> with_progress(std::shared_ptr<const sign::ByteSource> source, const std::string& label) {
  if (!Progress::wanted() || source->size() < kMinBytes) return source;
  return std::make_shared<ProgressSource>(std::move(source), label);
}

}  // namespace xsign
