#include "validate/fetch.hpp"

#include "pki/certificate_file.hpp"

#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include <algorithm>

namespace sign::detail {

Fetcher::Fetcher(const ValidationPolicy& policy)
    : enabled_(policy.fetch_revocation && policy.revocation != ValidationPolicy::Revocation::off),
      policy_(policy),
      deadline_(std::chrono::steady_clock::now() + policy.fetch_total_timeout),
      bytes_left_(policy.fetch_max_bytes),
      requests_left_(policy.fetch_max_requests) {}

std::optional<HttpLimits> Fetcher::next_limits(const std::string& url, const std::string& key,
                                               std::vector<std::string>& warnings) {
  if (!tried_.insert(key).second) return std::nullopt;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  std::string why;
  if (requests_left_ == 0) why = "the policy's " + std::to_string(policy_.fetch_max_requests) + " requests are used up";
  else if (left.count() <= 0) why = "the policy's total fetch time of " + std::to_string(policy_.fetch_total_timeout.count()) + " s is used up";
  else if (bytes_left_ == 0) why = "the policy's fetch byte budget is used up";
  if (!why.empty()) {
    warnings.push_back("not fetched: " + url + " (" + why + ")");
    return std::nullopt;
  }
  --requests_left_;
  HttpLimits l;
  l.deadline = std::min<std::chrono::milliseconds>(left, policy_.fetch_timeout);
  l.max_bytes = bytes_left_;
  l.allow_private_addresses = policy_.fetch_private_addresses;
  l.tls_ca_file = policy_.tls_ca_file;
  return l;
}

std::vector<CrlSource> Fetcher::crls_for(const Certificate& cert, std::vector<std::string>& warnings) {
  std::vector<CrlSource> out;
  if (!enabled_) return out;
  for (const auto& url : cert.crl_urls()) {
    const auto limits = next_limits(url, url, warnings);
    if (!limits) continue;
    try {
      const Bytes body = http_get(url, *limits);
      spent(body.size());
      const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
      out.push_back({looks_like_pem(body) ? Crl::from_pem(text) : Crl::from_der(body), "fetched: " + url});
    } catch (const Error& e) {
      warnings.push_back(std::string("CRL not fetched: ") + e.what());
    }
  }
  return out;
}

std::vector<std::pair<Certificate, std::string>> Fetcher::ca_certificates_for(const Certificate& cert,
                                                                               std::vector<std::string>& warnings) {
  std::vector<std::pair<Certificate, std::string>> out;
  if (!ca_issuers_enabled()) return out;
  for (const auto& url : cert.ca_issuers_urls()) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) continue;  // ldap:, file: are not fetched
    const auto limits = next_limits(url, url, warnings);
    if (!limits) continue;
    try {
      const Bytes body = http_get(url, *limits);
      spent(body.size());
      std::vector<std::string> skipped;
      for (auto& c : certificates_in_bytes(body, url, skipped)) out.emplace_back(std::move(c), "fetched: " + url);
      for (auto& w : skipped) warnings.push_back(std::move(w));
    } catch (const Error& e) {
      warnings.push_back(std::string("CA certificate not fetched: ") + e.what());
    }
  }
  return out;
}

std::optional<Bytes> Fetcher::ocsp(const std::string& url, const Bytes& request, const std::string& key,
                                   std::vector<std::string>& warnings) {
  if (!enabled_) return std::nullopt;
  // One request per responder and question: the same responder answers for many certificates.
  auto limits = next_limits(url, key, warnings);
  if (!limits) return std::nullopt;
  limits->max_bytes = std::min<std::size_t>(limits->max_bytes, 1024 * 1024);
  try {
    Bytes body = http_post(url, request, "application/ocsp-request", *limits);
    spent(body.size());
    return body;
  } catch (const Error& e) {
    warnings.push_back(std::string("OCSP not fetched: ") + e.what());
    return std::nullopt;
  }
}

}  // namespace sign::detail
