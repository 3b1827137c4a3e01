#include "trust_setup.hpp"

#include <sign/error.hpp>

#include <filesystem>

namespace xsign {

TrustSetup load_trust_setup(const TrustArgs& a) {
  const std::string path = a.trust.empty() ? sign::TrustStore::default_location() : a.trust;
  if (a.trust.empty() && !std::filesystem::exists(path))
    throw sign::UsageError("no trust store: give --trust DIR|FILE with your own country's roots (default " + path +
                           " does not exist)");
  TrustSetup s{sign::TrustStore::load(path), {}, {}};
  s.policy = !a.policy.empty() ? sign::ValidationPolicy::load(a.policy) : s.trust.policy.value_or(sign::ValidationPolicy{});
  if (a.fetch) s.policy.fetch_revocation = true;
  for (const auto& f : a.untrusted) {
    auto certs = sign::Certificate::load_all(f);
    s.options.extra_certificates.insert(s.options.extra_certificates.end(), certs.begin(), certs.end());
  }
  for (const auto& f : a.crls) s.options.extra_crls.push_back({sign::Crl::load(f), "file: " + f});
  return s;
}

}  // namespace xsign
