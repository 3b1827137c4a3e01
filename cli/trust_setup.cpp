#include "trust_setup.hpp"

#include <sign/error.hpp>

#include <sign/io.hpp>

#include <filesystem>
#include <iostream>

namespace xsign {

TrustSetup load_trust_setup(const TrustArgs& a) {
  const std::string path = a.trust.empty() ? sign::TrustStore::default_location() : a.trust;
  if (a.trust.empty() && !std::filesystem::exists(path))
    throw sign::UsageError("no trust store: give --trust DIR|FILE with your own country's roots (default " + path +
                           " does not exist)");
  TrustSetup s{sign::TrustStore::load(path), {}, {}};
  for (const auto& w : s.trust.warnings) std::cerr << "xsign: warning: " << sign::printable_text(w) << "\n";
  s.policy = !a.policy.empty() ? sign::ValidationPolicy::load(a.policy) : s.trust.policy.value_or(sign::ValidationPolicy{});
  if (a.fetch) s.policy.fetch_revocation = true;
  if (a.offline) s.policy.fetch_revocation = s.policy.fetch_ca_issuers = false;
  if (!a.cache_dir.empty()) s.policy.cache_dir = a.cache_dir;
  if (a.no_cache) s.policy.cache = false;
  for (const auto& f : a.untrusted) {
    // Bundles of intermediates are taken as published: unusable entries are skipped, named.
    std::vector<std::string> skipped;
    auto certs = sign::Certificate::load_usable(f, skipped);
    for (const auto& w : skipped) std::cerr << "xsign: warning: " << sign::printable_text(w) << "\n";
    s.options.extra_certificates.insert(s.options.extra_certificates.end(), certs.begin(), certs.end());
  }
  for (const auto& f : a.crls) s.options.extra_crls.push_back({sign::Crl::load(f), "file: " + f});
  return s;
}

void add_network_options(CLI::App& cmd, TrustArgs& a) {
  auto* fetch = cmd.add_flag("--fetch", a.fetch,
                             "Fetch missing CRLs, OCSP answers and CA certificates even if the policy file turns fetching off");
  auto* offline = cmd.add_flag("--offline", a.offline,
                               "No network access: only what the signature, the trust store, --crl and --untrusted hold");
  fetch->excludes(offline);
  cmd.add_option("--cache-dir", a.cache_dir, "Cache of fetched CRLs and CA certificates (default ~/.cache/xsign)")
      ->type_name("DIR");
  cmd.add_flag("--no-cache", a.no_cache, "Neither read nor write the fetch cache");
}

void require_validation_data(const std::vector<std::string>& problems, const std::string& what) {
  if (problems.empty()) return;
  std::string all;
  for (const auto& p : problems) all += "\n  " + p;
  throw sign::UsageError("cannot " + what + ":" + all + "\nhint: give CRLs with --crl, certificates with --untrusted, or use --fetch");
}

}  // namespace xsign
