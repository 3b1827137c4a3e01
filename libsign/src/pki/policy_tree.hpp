// Internal: RFC 5280 §6.1 certificate policy processing (the valid_policy_tree), run by path
// validation over a path that already passed its signature and name checks.
#pragma once

#include <sign/pki.hpp>

#include <string>
#include <vector>

namespace sign::detail {

inline constexpr std::string_view kAnyPolicy = "2.5.29.32.0";

/// The outcome: ok, or a message naming the certificate at which processing failed.
struct PolicyOutcome {
  bool ok = true;
  std::string message;
  /// Policies the whole path is valid for (after the user's set), anyPolicy when unconstrained.
  std::vector<std::string> valid_policies;
};

/// Runs §6.1.2–§6.1.5 over `path` (target first, trust anchor last; the anchor is only the
/// source of trust and is not processed, as the RFC's trust anchor information).
PolicyOutcome process_policies(const std::vector<Certificate>& path, const PolicyInputs& inputs);

}  // namespace sign::detail
