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

}  // namespace xsign
