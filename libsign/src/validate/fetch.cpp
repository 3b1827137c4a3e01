#include "validate/fetch.hpp"

#include "pki/certificate_file.hpp"

#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

namespace sign::detail {

Fetcher::Fetcher(const ValidationPolicy& policy)
    : enabled_(policy.fetch_revocation && policy.revocation != ValidationPolicy::Revocation::off),
      policy_(policy),
      deadline_(std::chrono::steady_clock::now() + policy.fetch_total_timeout),
      bytes_left_(policy.fetch_max_bytes),
      requests_left_(policy.fetch_max_requests) {
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

// Requests that failed in this process, by request key and the policy's address rules: not
// asked again (neither the cache nor the network) before the policy's fetch_retry_after, so
// that a responder that is down does not cost every validation of a batch or a server its
// timeout. Bounded: when full, the oldest failures are forgotten.
class RecentFailures {
 public:
  struct Failure {
    std::chrono::steady_clock::time_point at;
    std::string message;
  };
  static RecentFailures& instance() {
    static RecentFailures failures;
    return failures;
  }
  std::optional<Failure> find(const std::string& id, std::chrono::seconds retry_after,
                              std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (failed_.empty()) return std::nullopt;
    const auto it = failed_.find(id);
    if (it == failed_.end()) return std::nullopt;
    if (now - it->second.at >= retry_after) {
      failed_.erase(it);
      return std::nullopt;
    }
    return it->second;
  }
  void add(const std::string& id, std::string message) {
    std::lock_guard lock(mutex_);
    if (failed_.size() >= 4096) {
      auto oldest = std::min_element(failed_.begin(), failed_.end(),
                                     [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
      failed_.erase(oldest);
    }
    failed_[id] = {std::chrono::steady_clock::now(), std::move(message)};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Failure> failed_;
};

// A fetched CRL parsed once while the cache keeps its body in memory (a national CRL is
// megabytes: parsing it for every validation would cost more than the validation).
class ParsedCrls {
 public:
  static ParsedCrls& instance() {
    static ParsedCrls parsed;
    return parsed;
  }
  Crl get(const std::string& url, const std::shared_ptr<const Bytes>& body) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = parsed_.find(url); it != parsed_.end() && it->second.first.lock() == body) return it->second.second;
    }
    Crl crl = parse_crl(*body);
    std::lock_guard lock(mutex_);
    if (parsed_.size() >= 256) parsed_.clear();
    parsed_[url] = {body, crl};
    return crl;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::pair<std::weak_ptr<const Bytes>, Crl>> parsed_;
};

}  // namespace

FetchCache* Fetcher::cache(bool even_offline) {
  // Opened on first use: a warm validation that finds everything at hand never touches it.
  if (!cache_ && !cache_tried_ && (enabled_ || policy_.fetch_ca_issuers || even_offline)) {
    cache_tried_ = true;
    cache_ = FetchCache::open(policy_);
  }
  return cache_ ? &*cache_ : nullptr;
}

std::string Fetcher::failure_id(const std::string& key) const {
  std::string id;
  id.reserve(key.size() + 10 + policy_.tls_ca_file.size());
  id.append(key).append(policy_.fetch_private_addresses ? "\nprivate\n" : "\npublic\n").append(policy_.tls_ca_file);
  return id;
}

std::optional<std::string> Fetcher::recent_failure(const std::string& key, std::string_view what) const {
  if (bypass_cache_ || policy_.fetch_retry_after.count() <= 0) return std::nullopt;
  const auto now = std::chrono::steady_clock::now();
  const auto failure = RecentFailures::instance().find(failure_id(key), policy_.fetch_retry_after, now);
  if (!failure) return std::nullopt;
  const auto ago = std::chrono::duration_cast<std::chrono::seconds>(now - failure->at);
  // A batch repeats this warning for every document: composed in one allocation.
  const std::string ago_text = std::to_string(ago.count()), retry_text = std::to_string(policy_.fetch_retry_after.count());
  std::string out;
  out.reserve(what.size() + failure->message.size() + ago_text.size() + retry_text.size() + 96);
  out.append(what).append(" not fetched: ").append(failure->message).append(" (").append(ago_text);
  out.append(" s ago; asked again ").append(retry_text).append(" s after the failure, fetch_retry_after_seconds)");
  return out;
}

std::optional<Bytes> Fetcher::download(const std::string& url, const std::string& key, std::string_view what,
                                       std::vector<std::string>& warnings, const Post* post) {
  auto limits = next_limits(url, key, warnings);
  if (!limits) return std::nullopt;
  try {
    Bytes body;
    if (post) {
      limits->max_bytes = std::min(limits->max_bytes, post->max_bytes);
      body = http_post(url, post->body, post->content_type, *limits);
    } else {
      body = http_get(url, *limits);
    }
    spent(body.size());
    return body;
  } catch (const Error& e) {
    warnings.push_back(std::string(what) + " not fetched: " + e.what());
    RecentFailures::instance().add(failure_id(key), e.what());
    return std::nullopt;
  }
}

std::vector<CrlSource> Fetcher::crls_at(const std::vector<std::string>& urls, std::vector<std::string>& warnings,
                                        std::optional<TimePoint> not_before) {
  std::vector<CrlSource> out;
  if (!enabled_) return out;
  FetchCache* const cache = this->cache();
  for (const auto& url : urls) {
    if (tried_.count(url)) continue;
    // A URL that failed moments ago: only what this process holds in memory is looked at.
    const auto failed = recent_failure(url, "CRL");
    // One process or thread fetches a URL at a time; the others then find it in the cache.
    std::optional<FetchCache::Lock> lock;
    if (cache && !bypass_cache_) {
      if (!failed) lock.emplace(cache->lock_file(url));
      if (auto hit = cache->get(url, sign::now(), not_before, failed.has_value())) {
        try {
          out.push_back({ParsedCrls::instance().get(url, hit), "cache: " + url});
          tried_.insert(url);
          continue;
        } catch (const Error&) {
          // a cached body that no longer parses is fetched again
        }
      }
    }
    if (failed) {
      tried_.insert(url);
      warnings.push_back(*failed);
      continue;
    }
    const auto body = download(url, url, "CRL", warnings);
    if (!body) continue;
    try {
      Crl crl = parse_crl(*body);
      if (cache) {
        const TimePoint now = sign::now();
        const TimePoint expires = crl.next_update().value_or(crl.this_update() + policy_.revocation_max_age);
        if (expires > now) cache->put({url, "crl", now, expires, crl.this_update(), body->size(), {}}, *body);
      }
      out.push_back({std::move(crl), "fetched: " + url});
    } catch (const Error& e) {
      warnings.push_back(std::string("CRL not fetched: ") + url + ": " + e.what());
    }
  }
  return out;
}

std::vector<std::pair<Certificate, std::string>> Fetcher::ca_certificates_for(const Certificate& cert,
                                                                               std::vector<std::string>& warnings) {
  std::vector<std::pair<Certificate, std::string>> out;
  if (!ca_issuers_enabled()) return out;
  FetchCache* const cache = this->cache();
  for (const auto& url : cert.ca_issuers_urls()) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) continue;  // ldap:, file: are not fetched
    if (tried_.count(url)) continue;
    const auto failed = recent_failure(url, "CA certificate");
    std::optional<FetchCache::Lock> lock;
    std::shared_ptr<const Bytes> body;
    std::string origin = "fetched: " + url;
    if (cache) {
      if (!failed) lock.emplace(cache->lock_file(url));
      if ((body = cache->get(url, sign::now(), std::nullopt, failed.has_value()))) origin = "cache: " + url;
    }
    if (body) {
      tried_.insert(url);
    } else if (failed) {
      tried_.insert(url);
      warnings.push_back(*failed);
      continue;
    } else if (auto fetched = download(url, url, "CA certificate", warnings)) {
      body = std::make_shared<const Bytes>(std::move(*fetched));
    } else {
      continue;
    }
    std::vector<std::string> skipped;
    auto certs = certificates_in_bytes(*body, url, skipped);
    for (auto& w : skipped) warnings.push_back(std::move(w));
    // Certificates are signed objects: kept a day (the path check judges them every time).
    if (cache && !certs.empty() && origin.rfind("fetched", 0) == 0) {
      const TimePoint now = sign::now();
      cache->put({url, "certificate", now, now + std::chrono::hours(24), std::nullopt, body->size(), {}}, *body);
    }
    for (auto& c : certs) out.emplace_back(std::move(c), origin);
  }
  return out;
}

std::optional<Fetcher::OcspAnswer> Fetcher::ocsp(const std::string& url, const std::string& key,
                                                 const std::function<Bytes()>& make_request,
                                                 std::vector<std::string>& warnings, bool use_cache) {
  if (!enabled_) return std::nullopt;
  const bool asked = tried_.count(key) > 0;
  const auto failed = asked ? std::nullopt : recent_failure(key, "OCSP");
  if (use_cache && !bypass_cache_ && !asked)
    if (FetchCache* const cache = this->cache())
      if (auto hit = cache->get("ocsp " + key, sign::now(), std::nullopt, failed.has_value())) return OcspAnswer{*hit, true};
  if (failed) {
    tried_.insert(key);
    warnings.push_back(*failed);
    return std::nullopt;
  }
  // One request per responder and question: the same responder answers for many certificates.
  const Bytes request = make_request();
  const Post post{request, "application/ocsp-request", 1024 * 1024};
  auto body = download(url, key, "OCSP", warnings, &post);
  if (!body) return std::nullopt;
  return OcspAnswer{std::move(*body), false};
}

void Fetcher::remember_ocsp(const std::string& key, const Bytes& body) {
  FetchCache* const cache = this->cache();
  if (!cache) return;
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
    if (*expires > now) cache->put({"ocsp " + key, "ocsp", now, *expires, this_update, body.size(), {}}, body);
  } catch (const Error&) {
  }
}

std::optional<Bytes> Fetcher::trust_list(const std::string& url, std::vector<std::string>& warnings, bool use_cache) {
  const std::string key = "trust list " + url;
  FetchCache* const cache = this->cache(true);  // trust lists are read from the cache even offline
  std::optional<FetchCache::Lock> lock;
  if (cache) {
    lock.emplace(cache->lock_file(key));
    if (use_cache)
      if (auto hit = cache->get(key, sign::now())) return *hit;
  }
  if (!policy_.fetch_revocation) {
    warnings.push_back("trust list not fetched (offline): " + url);
    return std::nullopt;
  }
  if (const auto failed = recent_failure(key, "trust list")) {
    tried_.insert(key);
    warnings.push_back(*failed);
    return std::nullopt;
  }
  return download(url, key, "trust list", warnings);
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
  FetchCache* const cache = this->cache(true);
  if (!cache) return;
  const TimePoint now = sign::now();
  if (next_update <= now) return;
  cache->put({"trust list " + url, "trust list", now, next_update, std::nullopt, body.size(), {}}, body);
}

}  // namespace sign::detail
