#include "validate/fetch.hpp"

#include <sign/asn1.hpp>

#include <sign/error.hpp>

#include <httplib.h>

#include <set>

namespace sign::detail {
namespace {

constexpr std::size_t kMaxCrlBytes = 16 * 1024 * 1024;

struct Url {
  std::string host;
  int port = 80;
  std::string path;
};

std::optional<Url> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  Url u;
  u.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  u.host = authority.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      u.port = std::stoi(authority.substr(colon + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (u.host.empty() || u.port <= 0 || u.port > 65535) return std::nullopt;
  return u;
}

}  // namespace

std::vector<CrlSource> fetch_crls(const std::vector<Certificate>& certs, std::chrono::seconds timeout,
                                  std::vector<std::string>& warnings) {
  std::set<std::string> urls;
  for (const auto& c : certs)
    for (const auto& u : c.crl_urls()) urls.insert(u);
  std::vector<CrlSource> out;
  for (const auto& url : urls) {
    const auto u = parse_http_url(url);
    if (!u) {
      warnings.push_back("CRL distribution point " + url + " is not an http:// URL; not fetched");
      continue;
    }
    httplib::Client client(u->host, u->port);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    std::string body;
    bool too_big = false;
    const auto res = client.Get(u->path, [&](const char* data, std::size_t len) {
      if (body.size() + len > kMaxCrlBytes) {
        too_big = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (too_big) {
      warnings.push_back("CRL at " + url + " is larger than 16 MiB; ignored");
      continue;
    }
    if (!res) {
      warnings.push_back("could not fetch the CRL at " + url + " (" + httplib::to_string(res.error()) + ")");
      continue;
    }
    if (res->status != 200) {
      warnings.push_back("fetching the CRL at " + url + " answered HTTP " + std::to_string(res->status));
      continue;
    }
    try {
      const Bytes der(body.begin(), body.end());
      out.push_back({looks_like_pem(der) ? Crl::from_pem(body) : Crl::from_der(der), "fetched: " + url});
    } catch (const FormatError& e) {
      warnings.push_back("the CRL fetched from " + url + " is malformed: " + e.what());
    }
  }
  return out;
}

}  // namespace sign::detail
