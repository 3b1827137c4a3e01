#include "io/http.hpp"

#include <sign/error.hpp>

#include <httplib.h>

namespace sign::detail {
namespace {

struct Target {
  std::string origin;  ///< http://host:port
  std::string path;
};

Target split(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) throw UsageError(url + " is not an http:// URL");
  const auto slash = url.find('/', scheme.size());
  if (slash == scheme.size()) throw UsageError(url + " has no host");
  return {url.substr(0, slash), slash == std::string::npos ? "/" : url.substr(slash)};
}

httplib::Client client_for(const Target& t, std::chrono::seconds timeout) {
  httplib::Client client(t.origin);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  return client;
}

Bytes body_of(const httplib::Result& res, const std::string& url, std::size_t max_bytes) {
  if (!res) throw IoError(url + " unreachable (" + httplib::to_string(res.error()) + ")");
  if (res->status != 200) throw IoError(url + " answered HTTP " + std::to_string(res->status));
  if (res->body.size() > max_bytes) throw IoError(url + " sent more than " + std::to_string(max_bytes) + " bytes");
  return Bytes(res->body.begin(), res->body.end());
}

}  // namespace

Bytes http_get(const std::string& url, std::chrono::seconds timeout, std::size_t max_bytes) {
  const Target t = split(url);
  auto client = client_for(t, timeout);
  std::string body;
  bool too_big = false;
  auto res = client.Get(t.path, [&](const char* data, std::size_t len) {
    if (body.size() + len > max_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, len);
    return true;
  });
  if (too_big) throw IoError(url + " sent more than " + std::to_string(max_bytes) + " bytes");
  if (!res) throw IoError(url + " unreachable (" + httplib::to_string(res.error()) + ")");
  if (res->status != 200) throw IoError(url + " answered HTTP " + std::to_string(res->status));
  return Bytes(body.begin(), body.end());
}

Bytes http_post(const std::string& url, ByteView body, const std::string& content_type,
                std::chrono::seconds timeout, std::size_t max_bytes) {
  const Target t = split(url);
  auto client = client_for(t, timeout);
  auto res = client.Post(t.path, std::string(body.begin(), body.end()), content_type);
  return body_of(res, url, max_bytes);
}

}  // namespace sign::detail
