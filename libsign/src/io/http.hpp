// Internal: small HTTP client calls (plain http:// on purpose: CRLs, OCSP and TSA answers are
// signed objects) with bounded time and size. Used by validation, OCSP and TSP clients.
#pragma once

#include <sign/crypto.hpp>

#include <chrono>
#include <string>

namespace sign::detail {

/// GET; throws IoError naming the URL on failure, non-200 status or an oversized body.
Bytes http_get(const std::string& url, std::chrono::seconds timeout, std::size_t max_bytes);

/// POST with a content type; same errors as http_get.
Bytes http_post(const std::string& url, ByteView body, const std::string& content_type,
                std::chrono::seconds timeout, std::size_t max_bytes);

}  // namespace sign::detail
