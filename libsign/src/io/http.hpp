// Internal: the one HTTP client of the library (CRLs, OCSP, TSA, caIssuers): http:// and
// https:// (OpenSSL, the system's CA certificates plus an optional file, host name checked),
// directly or through the proxies of http_proxy / https_proxy / no_proxy. Every call is
// bounded as a whole: one total deadline covers connecting (and the proxy's CONNECT and the
// TLS handshake), sending and reading; the response is refused as soon as it grows past its
// size limit, and addresses can be restricted.
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
  /// Redirects a GET follows (301, 302, 303, 307, 308 to another http(s):// URL), within the
  /// same deadline and address rules; a POST is never redirected (its 3xx is an error).
  std::size_t max_redirects = 3;
  /// PEM file of CA certificates trusted for https:// in addition to the system's (a private TSA).
  std::string tls_ca_file;
};

/// The proxy URL (http://host:port) the environment names for `url`, or empty: https_proxy /
/// http_proxy (either case), unless no_proxy lists the host ("*", a name, a .domain suffix, an IP).
std::string proxy_for(const std::string& url);

/// True for addresses that are not public unicast (loopback, RFC 1918, link-local, ULA, ...).
bool is_private_address(const std::string& numeric_host);

/// GET; throws IoError naming the URL on failure, non-200 status, an oversized body, the
/// deadline, or too many redirects.
Bytes http_get(const std::string& url, const HttpLimits& limits);

/// POST with a content type; same errors as http_get.
Bytes http_post(const std::string& url, ByteView body, const std::string& content_type, const HttpLimits& limits);

/// Convenience forms: `timeout` is the total deadline.
Bytes http_get(const std::string& url, std::chrono::seconds timeout, std::size_t max_bytes,
               const std::string& tls_ca_file = {});
Bytes http_post(const std::string& url, ByteView body, const std::string& content_type,
                std::chrono::seconds timeout, std::size_t max_bytes, const std::string& tls_ca_file = {});

}  // namespace sign::detail
