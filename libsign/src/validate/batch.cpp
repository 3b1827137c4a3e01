// Batch validation: a bank verifying a day's declarations, a TTP validating for a whole port.
#include <sign/error.hpp>
#include <sign/validate.hpp>

#include <algorithm>
#include <atomic>
#include <thread>

namespace sign {

std::vector<ValidationReport> validate_batch(const std::vector<BatchItem>& items, const TrustStore& trust,
                                             const ValidationPolicy& policy, const ValidateOptions& options,
                                             unsigned jobs) {
  std::vector<ValidationReport> reports(items.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < items.size(); i = next++) {
      const auto& item = items[i];
      try {
        const auto sd = SignedDataView::load(item.signature_file);
        std::optional<Content> content;
        if (!sd.attached()) {
          if (item.document.empty()) throw UsageError("detached signature without its document");
          content = Content::file(item.document);
        }
        reports[i] = validate_signed_data(sd, content, trust, policy, options);
      } catch (const FormatError& e) {
        reports[i] = format_failure_report(item.signature_file, e.what());
        for (auto& s : reports[i].signatures)
          s.validation_time = options.validation_time.value_or(
              std::chrono::floor<std::chrono::seconds>(sign::now()));
      } catch (const Error& e) {
        // Missing, unreadable or not a file: the caller's input, not a forged signature.
        reports[i] = ValidationReport{};
        reports[i].input_error = e.what();
      }
      reports[i].signature_file = item.signature_file;
      reports[i].document = item.document;
    }
  };
  const unsigned n = std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(items.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return reports;
}

}  // namespace sign
