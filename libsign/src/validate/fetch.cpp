#include "validate/fetch.hpp"

#include "pki/certificate_file.hpp"

#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>

#include <algorithm>

namespace sign::detail {

Fetcher::Fetcher(const ValidationPolicy& policy)
    : enabled_(policy.fetch_revocation && policy.revocation != ValidationPolicy::Revocation::off),
      policy_(policy),
      deadline_(std::chrono::steady_clock::now() + policy.fetch_total_timeout),
      bytes_left_(policy.fetch_max_bytes),
      requests_left_(policy.fetch_max_requests) {
  if (enabled_ || policy.fetch_ca_issuers) cache_ = FetchCache::open(policy);
}

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

namespace {

Crl parse_crl(const Bytes& body) {
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  return looks_like_pem(body) ? Crl::from_pem(text) : Crl::from_der(body);
}

}  // namespace

std::vector<CrlSource> Fetcher::crls_at(const std::vector<std::string>& urls, std::vector<std::string>& warnings,
                                        std::optional<TimePoint> not_before) {
  std::vector<CrlSource> out;
  if (!enabled_) return out;
  for (const auto& url : urls) {
    if (tried_.count(url)) continue;
    // One process or thread fetches a URL at a time; the others then find it in the cache.
    std::optional<FetchCache::Lock> lock;
    if (cache_ && !bypass_cache_) {
      lock.emplace(cache_->lock_file(url));
      if (auto hit = cache_->get(url, sign::now(), not_before)) {
        try {
          out.push_back({parse_crl(*hit), "cache: " + url});
          tried_.insert(url);
          continue;
        } catch (const Error&) {
          // a cached body that no longer parses is fetched again
        }
      }
    }
    const auto limits = next_limits(url, url, warnings);
    if (!limits) continue;
    try {
      const Bytes body = http_get(url, *limits);
      spent(body.size());
      Crl crl = parse_crl(body);
      if (cache_) {
        const TimePoint now = sign::now();
        const TimePoint expires = crl.next_update().value_or(crl.this_update() + policy_.revocation_max_age);
        if (expires > now) cache_->put({url, "crl", now, expires, crl.this_update(), body.size(), {}}, body);
      }
      out.push_back({std::move(crl), "fetched: " + url});
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
    if (tried_.count(url)) continue;
    std::optional<FetchCache::Lock> lock;
    std::optional<Bytes> body;
    std::string origin = "fetched: " + url;
    if (cache_) {
      lock.emplace(cache_->lock_file(url));
      if ((body = cache_->get(url, sign::now()))) origin = "cache: " + url;
    }
    if (body) {
      tried_.insert(url);
    } else {
      const auto limits = next_limits(url, url, warnings);
      if (!limits) continue;
      try {
        body = http_get(url, *limits);
        spent(body->size());
      } catch (const Error& e) {
        warnings.push_back(std::string("CA certificate not fetched: ") + e.what());
        continue;
      }
    }
    std::vector<std::string> skipped;
    auto certs = certificates_in_bytes(*body, url, skipped);
    for (auto& w : skipped) warnings.push_back(std::move(w));
    // Certificates are signed objects: kept a day (the path check judges them every time).
    if (cache_ && !certs.empty() && origin.rfind("fetched", 0) == 0) {
      const TimePoint now = sign::now();
      cache_->put({url, "certificate", now, now + std::chrono::hours(24), std::nullopt, body->size(), {}}, *body);
    }
    for (auto& c : certs) out.emplace_back(std::move(c), origin);
  }
  return out;
}

std::optional<Fetcher::OcspAnswer> Fetcher::ocsp(const std::string& url, const Bytes& request, const std::string& key,
                                                 std::vector<std::string>& warnings, bool use_cache) {
  if (!enabled_) return std::nullopt;
  if (use_cache && cache_ && !bypass_cache_ && !tried_.count(key)) {
    if (auto hit = cache_->get("ocsp " + key, sign::now())) return OcspAnswer{std::move(*hit), true};
  }
  // One request per responder and question: the same responder answers for many certificates.
  auto limits = next_limits(url, key, warnings);
  if (!limits) return std::nullopt;
  limits->max_bytes = std::min<std::size_t>(limits->max_bytes, 1024 * 1024);
  try {
    Bytes body = http_post(url, request, "application/ocsp-request", *limits);
    spent(body.size());
    return OcspAnswer{std::move(body), false};
  } catch (const Error& e) {
    warnings.push_back(std::string("OCSP not fetched: ") + e.what());
    return std::nullopt;
  }
}

void Fetcher::remember_ocsp(const std::string& key, const Bytes& body) {
  if (!cache_) return;
  try {
    const auto resp = OcspResponse::parse(body);
    if (resp.response_status != 0 || resp.responses.empty()) return;
    std::optional<TimePoint> expires;
    TimePoint this_update = resp.responses.front().this_update;
    for (const auto& s : resp.responses) {
      const TimePoint e = s.next_update.value_or(s.this_update + policy_.revocation_max_age);
      if (!expires || e < *expires) expires = e;
      this_update = std::min(this_update, s.this_update);
    }
    // OCSP is the fresh channel: an answer serves a batch for at most five minutes, so that a
    // revocation shows within minutes even when the responder pre-produces hour-long answers.
    const TimePoint now = sign::now();
    expires = std::min(*expires, now + std::chrono::minutes(5));
    if (*expires > now) cache_->put({"ocsp " + key, "ocsp", now, *expires, this_update, body.size(), {}}, body);
  } catch (const Error&) {
  }
}

std::optional<Bytes> Fetcher::trust_list(const std::string& url, std::vector<std::string>& warnings, bool use_cache) {
  const std::string key = "trust list " + url;
  if (!cache_) cache_ = FetchCache::open(policy_);  // trust lists are read from the cache even offline
  std::optional<FetchCache::Lock> lock;
  if (cache_) {
    lock.emplace(cache_->lock_file(key));
    if (use_cache)
      if (auto hit = cache_->get(key, sign::now())) return hit;
  }
  if (!policy_.fetch_revocation) {
    warnings.push_back("trust list not fetched (offline): " + url);
    return std::nullopt;
  }
  const auto limits = next_limits(url, key, warnings);
  if (!limits) return std::nullopt;
  try {
    Bytes body = http_get(url, *limits);
    spent(body.size());
    return body;
  } catch (const Error& e) {
    warnings.push_back(std::string("trust list not fetched: ") + e.what());
    return std::nullopt;
  }
}

TrustListFetch Fetcher::trust_list_fetch() {
  return {[this](const std::string& url, std::vector<std::string>& warnings, bool use_cache) {
            return trust_list(url, warnings, use_cache);
          },
          [this](const std::string& url, ByteView body, TimePoint next_update) {
            remember_trust_list(url, body, next_update);
          }};
}

void Fetcher::remember_trust_list(const std::string& url, ByteView body, TimePoint next_update) {
  if (!cache_) return;
  const TimePoint now = sign::now();
  if (next_update <= now) return;
  cache_->put({"trust list " + url, "trust list", now, next_update, std::nullopt, body.size(), {}}, body);
}

}  // namespace sign::detail
