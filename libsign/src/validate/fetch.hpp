// Internal: fetching revocation data for the certificates of a candidate path, within the
// validation policy's budget (total time, bytes, requests) and address rules. A signer can name
// any URL in the certificates it embeds; none of them may cost the verifier more than the budget.
#pragma once

#include <sign/trust.hpp>

#include "io/http.hpp"
#include "validate/fetch_cache.hpp"

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sign::detail {

class Fetcher {
 public:
  explicit Fetcher(const ValidationPolicy& policy);

  /// True when the policy allows fetching at all.
  bool enabled() const { return enabled_; }

  /// The CRLs of `cert`'s distribution points not fetched before: from the disk cache when it
  /// holds one not yet at its nextUpdate (and, with `not_before`, issued since then), else over
  /// the network (and then cached). Failures and an exhausted budget become warnings: the
  /// revocation policy decides what missing data means.
  std::vector<CrlSource> crls_for(const Certificate& cert, std::vector<std::string>& warnings,
                                  std::optional<TimePoint> not_before = std::nullopt) {
    return crls_at(cert.crl_urls(), warnings, not_before);
  }
  /// The same for a list of URLs (a complete CRL's freshestCRL: its deltas).
  std::vector<CrlSource> crls_at(const std::vector<std::string>& urls, std::vector<std::string>& warnings,
                                 std::optional<TimePoint> not_before = std::nullopt);

  /// CA certificates published at `cert`'s caIssuers URLs not fetched before (DER, PEM or
  /// PKCS#7 certs-only), each with its origin ("fetched: URL").
  std::vector<std::pair<Certificate, std::string>> ca_certificates_for(const Certificate& cert,
                                                                      std::vector<std::string>& warnings);
  bool ca_issuers_enabled() const { return enabled_ && policy_.fetch_ca_issuers; }
  /// While set, revocation data comes from the network only: what is collected to be embedded
  /// (LT, XL1) must be newer than the time-stamp just added, which a cached copy may not be.
  void bypass_cache(bool on) { bypass_cache_ = on; }

  struct OcspAnswer {
    Bytes body;
    bool from_cache = false;
  };
  /// An answer to the OCSP question `key` (URL and CertID, without the nonce): from the disk
  /// cache when `use_cache` and one is still current, else POSTed to `url` within the budget;
  /// nullopt (and a warning) on failure. Each question is asked once per validation.
  /// `make_request` makes the request's DER when the network is asked.
  std::optional<OcspAnswer> ocsp(const std::string& url, const std::string& key,
                                 const std::function<Bytes()>& make_request, std::vector<std::string>& warnings,
                                 bool use_cache);
  /// Keeps an OCSP answer that passed the caller's checks (nonce) for later validations.
  void remember_ocsp(const std::string& key, const Bytes& body);

  /// A trust list published at `url` (one a list of lists points to): from the disk cache while
  /// it is before its next update — even offline —, else fetched when fetching is on; nullopt
  /// (and a warning) otherwise. The caller checks it, then keeps it with remember_trust_list.
  std::optional<Bytes> trust_list(const std::string& url, std::vector<std::string>& warnings, bool use_cache = true);
  void remember_trust_list(const std::string& url, ByteView body, TimePoint next_update);
  /// The two above as the trust module takes them (valid while this Fetcher lives).
  TrustListFetch trust_list_fetch();

 private:
  // Limits for the next request, or nullopt (with a warning) when the budget is spent.
  // `key` identifies the request (a URL, or a URL and an OCSP request): each is made once.
  std::optional<HttpLimits> next_limits(const std::string& url, const std::string& key,
                                        std::vector<std::string>& warnings);
  void spent(std::size_t bytes) { bytes_left_ -= std::min(bytes_left_, bytes); }
  struct Post {
    const Bytes& body;
    std::string content_type;
    std::size_t max_bytes;
  };
  // One request within the budget (a GET, or a POST of `post`); nullopt and a warning
  // ("<what> not fetched: why") when it fails or the budget is spent. A failure is remembered
  // for the policy's fetch_retry_after.
  std::optional<Bytes> download(const std::string& url, const std::string& key, std::string_view what,
                                std::vector<std::string>& warnings, const Post* post = nullptr);
  // The warning to give when request `key` failed in this process less than fetch_retry_after
  // ago (it is then not asked again, and the disk cache is not read for it: only what this
  // process holds in memory), else nullopt.
  std::optional<std::string> recent_failure(const std::string& key, std::string_view what) const;
  std::string failure_id(const std::string& key) const;

  bool enabled_;
  const ValidationPolicy& policy_;
  std::chrono::steady_clock::time_point deadline_;
  std::size_t bytes_left_, requests_left_;
  std::set<std::string> tried_;  ///< each request at most once per validation
  // The disk cache, opened on first use (nullptr when caching is off or not allowed).
  FetchCache* cache(bool even_offline = false);
  std::optional<FetchCache> cache_;
  bool cache_tried_ = false;
  bool bypass_cache_ = false;
};

}  // namespace sign::detail
