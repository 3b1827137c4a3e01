// Internal: fetching revocation data for the certificates of a candidate path, within the
// validation policy's budget (total time, bytes, requests) and address rules. A signer can name
// any URL in the certificates it embeds; none of them may cost the verifier more than the budget.
#pragma once

#include <sign/trust.hpp>

#include "io/http.hpp"

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace sign::detail {

class Fetcher {
 public:
  explicit Fetcher(const ValidationPolicy& policy);

  /// True when the policy allows fetching at all.
  bool enabled() const { return enabled_; }

  /// The CRLs of `cert`'s distribution points not fetched before. Failures and an exhausted
  /// budget become warnings: the revocation policy decides what missing data means.
  std::vector<CrlSource> crls_for(const Certificate& cert, std::vector<std::string>& warnings);

  /// CA certificates published at `cert`'s caIssuers URLs not fetched before (DER, PEM or
  /// PKCS#7 certs-only), each with its origin ("fetched: URL").
  std::vector<std::pair<Certificate, std::string>> ca_certificates_for(const Certificate& cert,
                                                                      std::vector<std::string>& warnings);
  bool ca_issuers_enabled() const { return enabled_ && policy_.fetch_ca_issuers; }

  /// POSTs an OCSP request to `url` within the budget; nullopt (and a warning) on failure.
  /// `key` names the question (URL and CertID, without the nonce): each is asked once.
  std::optional<Bytes> ocsp(const std::string& url, const Bytes& request, const std::string& key,
                            std::vector<std::string>& warnings);

 private:
  // Limits for the next request, or nullopt (with a warning) when the budget is spent.
  // `key` identifies the request (a URL, or a URL and an OCSP request): each is made once.
  std::optional<HttpLimits> next_limits(const std::string& url, const std::string& key,
                                        std::vector<std::string>& warnings);
  void spent(std::size_t bytes) { bytes_left_ -= std::min(bytes_left_, bytes); }

  bool enabled_;
  const ValidationPolicy& policy_;
  std::chrono::steady_clock::time_point deadline_;
  std::size_t bytes_left_, requests_left_;
  std::set<std::string> tried_;  ///< each request at most once per validation
};

}  // namespace sign::detail
