#include "validate/fetch.hpp"

#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include "io/http.hpp"

#include <set>

namespace sign::detail {

std::vector<CrlSource> fetch_crls(const std::vector<Certificate>& certs, std::chrono::seconds timeout,
                                  std::vector<std::string>& warnings) {
  std::set<std::string> urls;
  for (const auto& c : certs)
    for (const auto& u : c.crl_urls()) urls.insert(u);
  std::vector<CrlSource> out;
  for (const auto& url : urls) {
    try {
      const Bytes body = http_get(url, timeout, 16 * 1024 * 1024);
      const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
      out.push_back({looks_like_pem(body) ? Crl::from_pem(text) : Crl::from_der(body), "fetched: " + url});
    } catch (const Error& e) {
      warnings.push_back(std::string("CRL not fetched: ") + e.what());
    }
  }
  return out;
}

}  // namespace sign::detail
