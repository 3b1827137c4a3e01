// What every verifying command loads the same way: the trust store (--trust or the default
// location), the policy (--policy, else the store's policy.toml, else defaults, with --fetch),
// and extra path material (--untrusted, --crl).
#pragma once

#include <sign/trust.hpp>
#include <sign/validate.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace xsign {

struct TrustArgs {
  std::string trust, policy;
  std::vector<std::string> untrusted, crls;
  bool fetch = false;    ///< --fetch: fetch even if the policy file says not to
  bool offline = false;  ///< --offline: no network access at all
  std::string cache_dir;
  bool no_cache = false;
};

/// Adds --fetch, --offline, --cache-dir and --no-cache to a verifying command.
void add_network_options(CLI::App& cmd, TrustArgs& args);

struct TrustSetup {
  sign::TrustStore trust;
  sign::ValidationPolicy policy;
  sign::ValidateOptions options;  ///< extra certificates and CRLs filled in
};

/// Loads the trust store, policy and extra material; errors name the file and what to do.
TrustSetup load_trust_setup(const TrustArgs& args);

/// Throws UsageError("cannot WHAT:" and each problem on its own line, with the hint on where
/// validation data comes from) when `problems` is not empty.
void require_validation_data(const std::vector<std::string>& problems, const std::string& what);

}  // namespace xsign
