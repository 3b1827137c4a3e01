// Batch validation: a bank verifying a day's declarations, a TTP validating for a whole port.
// Reports are handed over in input order as soon as they and every earlier one are done;
// workers run at most a window ahead of the oldest unfinished item, so memory stays bounded
// however many files there are.
#include <sign/error.hpp>
#include <sign/validate.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace sign {
namespace {

ValidationReport validate_item(const BatchItem& item, const TrustStore& trust, const ValidationPolicy& policy,
                               const ValidateOptions& options) {
  ValidationReport report;
  try {
    const auto sd = SignedDataView::load(item.signature_file);
    std::optional<Content> content;
    if (!sd.attached()) {
      if (item.document.empty()) throw UsageError("detached signature without its document");
      content = Content::file(item.document);
    }
    report = validate_signed_data(sd, content, trust, policy, options);
  } catch (const FormatError& e) {
    report = format_failure_report(item.signature_file, e.what());
    for (auto& s : report.signatures)
      s.validation_time = options.validation_time.value_or(std::chrono::floor<std::chrono::seconds>(sign::now()));
  } catch (const Error& e) {
    // Missing, unreadable or not a file: the caller's input, not a forged signature.
    report = ValidationReport{};
    report.input_error = e.what();
  }
  report.signature_file = item.signature_file;
  report.document = item.document;
  return report;
}

}  // namespace

void validate_batch(const std::vector<BatchItem>& items, const TrustStore& trust, const ValidationPolicy& policy,
                    const ValidateOptions& options, unsigned jobs,
                    const std::function<void(std::size_t, const ValidationReport&)>& on_report) {
  const unsigned n = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(items.size(), 1))));
  const std::size_t window = 4 * static_cast<std::size_t>(n);
  std::mutex mutex;
  std::condition_variable progress;
  std::size_t next = 0, emitted = 0;
  std::map<std::size_t, ValidationReport> finished;  // done, waiting for an earlier one
  bool emitting = false;
  std::exception_ptr failure;
  auto worker = [&] {
    while (true) {
      std::size_t i;
      {
        std::unique_lock lock(mutex);
        progress.wait(lock, [&] { return failure || next >= items.size() || next < emitted + window; });
        if (failure || next >= items.size()) return;
        i = next++;
      }
      ValidationReport report = validate_item(items[i], trust, policy, options);
      std::unique_lock lock(mutex);
      finished.emplace(i, std::move(report));
      // One thread at a time hands reports over, in order, outside the lock.
      if (emitting) continue;
      emitting = true;
      while (!failure && !finished.empty() && finished.begin()->first == emitted) {
        auto ready = std::move(finished.begin()->second);
        finished.erase(finished.begin());
        lock.unlock();
        try {
          on_report(emitted, ready);
        } catch (...) {
          lock.lock();
          failure = std::current_exception();
          break;
        }
        lock.lock();
        ++emitted;
        progress.notify_all();
      }
      emitting = false;
      progress.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  // Every report has been handed over: the thread that finishes the oldest missing one always
  // emits it and everything ready after it.
  if (failure) std::rethrow_exception(failure);
}

std::vector<ValidationReport> validate_batch(const std::vector<BatchItem>& items, const TrustStore& trust,
                                             const ValidationPolicy& policy, const ValidateOptions& options,
                                             unsigned jobs) {
  std::vector<ValidationReport> reports(items.size());
  validate_batch(items, trust, policy, options, jobs,
                 [&](std::size_t i, const ValidationReport& r) { reports[i] = r; });
  return reports;
}

}  // namespace sign
