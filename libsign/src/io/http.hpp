// Internal: the one HTTP client of the library (CRLs, OCSP, TSA). Plain http:// on purpose:
// CRLs, OCSP and TSA answers are signed objects. Every call is bounded as a whole: one total
// deadline covers name resolution's result, connecting, sending and reading, the response is
// refused as soon as it grows past its size limit, and addresses can be restricted.
#pragma once

#include <sign/crypto.hpp>

#include <chrono>
#include <string>

namespace sign::detail {

/// Bounds of one HTTP exchange.
struct HttpLimits {
  std::chrono::milliseconds deadline{10000};  ///< total time for the whole exchange
  std::size_t max_bytes = 1024 * 1024;        ///< response body limit, checked while reading
  /// Loopback, private, link-local and other non-public addresses. URLs a user typed may reach
  /// them; URLs named by a signer's certificates must not unless the policy allows it.
  bool allow_private_addresses = true;
  /// Redirects a GET follows (301, 302, 303, 307, 308 to another http:// URL), within the same
  /// deadline and address rules; a POST is never redirected (its 3xx is an error).
  std::size_t max_redirects = 3;
};

/// True for addresses that are not public unicast (loopback, RFC 1918, link-local, ULA, ...).
bool is_private_address(const std::string& numeric_host);

/// GET; throws IoError naming the URL on failure, non-200 status, an oversized body, the
/// deadline, or too many redirects.
Bytes http_get(const std::string& url, const HttpLimits& limits);

/// POST with a content type; same errors as http_get.
Bytes http_post(const std::string& url, ByteView body, const std::string& content_type, const HttpLimits& limits);

/// Convenience forms: `timeout` is the total deadline.
Bytes http_get(const std::string& url, std::chrono::seconds timeout, std::size_t max_bytes);
Bytes http_post(const std::string& url, ByteView body, const std::string& content_type,
                std::chrono::seconds timeout, std::size_t max_bytes);

}  // namespace sign::detail
