// Internal: fetching CRLs from the distribution points certificates name.
#pragma once

#include <sign/trust.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace sign::detail {

/// Fetches every distinct http:// CRL distribution point of `certs` (bounded time and size);
/// failures become warnings, never errors: revocation policy decides what missing CRLs mean.
std::vector<CrlSource> fetch_crls(const std::vector<Certificate>& certs, std::chrono::seconds timeout,
                                  std::vector<std::string>& warnings);

}  // namespace sign::detail
