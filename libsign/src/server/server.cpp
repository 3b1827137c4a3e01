// HTTP endpoints behind the edge of http_edge.cpp (which reads requests under deadlines and
// limits, then hands complete ones to a worker pool). Every handler works on immutable state
// or state behind a lock, bounds its input, and answers a malformed request with HTTP 400.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>
#include <sign/server.hpp>
#include <sign/io.hpp>
#include <sign/tsp.hpp>

#include "server/http_edge.hpp"

#include <botan/base64.h>
#include <botan/exceptn.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>

namespace sign {
namespace {


// Percent-decoding of an OCSP GET path; a malformed escape is the client's error.
std::string url_decode(const std::string& s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const int hi = i + 1 < s.size() ? hex(s[i + 1]) : -1, lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) throw FormatError("malformed %-escape in the request path");
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// A CA name in a path: the directory names we serve, nothing else.
bool plain_name(std::string_view n) {
  return !n.empty() && n.size() <= 128 && std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// One CA directory being served.
struct ServedCa {
  std::unique_ptr<CertificateAuthority> ca;
  std::unique_ptr<TimeStampAuthority> tsa;
  std::unique_ptr<OcspResponder> ocsp;
  std::mutex crl_mutex;
  Bytes crl_der, delta_der;
  TimePoint crl_made{}, delta_made{};
  // Key use, recorded in the CA's audit log when the server stops.
  std::atomic<std::uint64_t> time_stamps{0}, ocsp_answers{0}, crls{0};
};

}  // namespace

namespace detail {

// The edge in front of a server: the limits of its configuration, the largest body of each
// endpoint (enforced while reading), every complete request to Server::handle. (In
// sign::detail so that its closures stay out of the library's exported symbols.)
std::unique_ptr<HttpEdge> make_http_edge(Server& server, const ServerConfig& config) {
  HttpLimits limits;
  limits.max_header_bytes = config.max_header_bytes;
  limits.max_headers = config.max_headers;
  limits.header_deadline = config.header_timeout;
  limits.body_deadline = config.body_timeout;
  limits.write_deadline = config.io_timeout;
  limits.max_connections = config.max_connections;
  limits.max_connections_per_client = config.max_connections_per_client;
  limits.workers = config.workers;
  std::vector<std::pair<std::string, std::size_t>> route_limits;
  for (const auto& r : config.post_routes) route_limits.emplace_back(r.path, r.max_bytes);
  auto body_limit = [route_limits, max = config.max_request_bytes](const std::string& method, const std::string& path) {
    if (method != "POST") return std::size_t{0};
    for (const auto& [p, limit] : route_limits)
      if (p == path) return limit;
    return max;
  };
  std::function<void(const HttpRequest&, const HttpReply&)> log;
  if (config.access_log)
    log = [access_log = config.access_log](const HttpRequest& req, const HttpReply& reply) {
      std::ostringstream line;
      line << format_time(sign::now()) << " " << req.client << " " << printable_text(req.method) << " "
           << printable_text(req.path) << " " << reply.status << " " << reply.body.size();
      access_log(line.str());
    };
  return std::make_unique<HttpEdge>(
      limits, body_limit, [&server](const HttpRequest& req) { return server.handle(req.method, req.path, req.body); },
      std::move(log));
}

}  // namespace detail

struct Server::Impl {
  ServerConfig config;
  std::vector<std::unique_ptr<ServedCa>> cas;
  std::unique_ptr<detail::HttpEdge> http;

  ServedCa* by_name(const std::string& name) {
    for (auto& c : cas)
      if (c->ca->name() == name) return c.get();
    return nullptr;
  }

  ServedCa* first_with_tsa() {
    for (auto& c : cas)
      if (c->tsa) return c.get();
    return nullptr;
  }

  // The CRL every node serves comes from the store (CertificateAuthority::shared_crl); each
  // node keeps it until it is crl_cache old, so a node asks the store at most that often.
  Bytes crl_of(ServedCa& c, bool delta) {
    if (delta) (void)crl_of(c, false);  // a delta is relative to a complete CRL: there must be one first
    std::lock_guard lock(c.crl_mutex);
    Bytes& der = delta ? c.delta_der : c.crl_der;
    TimePoint& made = delta ? c.delta_made : c.crl_made;
    const auto now = sign::now();
    if (der.empty() || now - made >= config.crl_cache) {
      bool signed_here = false;
      const Crl crl = c.ca->shared_crl(now, config.crl_cache, delta, &signed_here);
      der = crl.der();
      made = crl.this_update();
      if (signed_here) ++c.crls;
    }
    return der;
  }

  HttpReply text(int status, const std::string& message) const { return {status, "text/plain", message + "\n"}; }

  HttpReply der_reply(const Bytes& der, const char* type) const { return {200, type, std::string(der.begin(), der.end())}; }

  HttpReply ocsp(const Bytes& request) {
    OcspRequest parsed;
    try {
      parsed = OcspRequest::parse(request);
    } catch (const FormatError&) {
      return {400, "application/ocsp-response", std::string("\x30\x03\x0a\x01\x01", 5)};  // malformedRequest
    }
    // The CA whose certificate the first CertID names answers.
    for (auto& c : cas) {
      if (!c->ocsp) continue;
      const auto& id = parsed.ids.front();
      if (!id.matches(c->ca->certificate(), id.serial)) continue;
      ++c->ocsp_answers;
      return der_reply(c->ocsp->respond(request, sign::now()), "application/ocsp-response");
    }
    return der_reply(sequence({der_tlv(0x0a, Bytes{6})}), "application/ocsp-response");  // unauthorized
  }

  HttpReply tsa(ServedCa* c, const std::string& body) {
    if (!c || !c->tsa) return text(404, "no time-stamping authority here");
    const Bytes out = c->tsa->respond(Bytes(body.begin(), body.end()), sign::now());
    HttpReply r = der_reply(out, "application/timestamp-reply");
    if (TimeStampResponse::parse(out).status != 0) r.status = 400;
    else ++c->time_stamps;
    return r;
  }

  // A published file of a CA not served here (an offline root's CRL); the name is a plain
  // file name (no '/', no '..'), so nothing outside the directory can be named.
  HttpReply published(const std::string& name, const char* extension, const char* type) {
    if (config.published_dir.empty() || !plain_name(name) || name.front() == '.') return text(404, "no such CA");
    const std::filesystem::path file = std::filesystem::path(config.published_dir) / (name + extension);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return text(404, "no such CA");
    Bytes data = read_file(file, 64 * 1024 * 1024);
    if (looks_like_pem(data)) {
      const std::string_view pem(reinterpret_cast<const char*>(data.data()), data.size());
      auto blocks = pem_decode_all(pem);
      if (blocks.empty()) return text(500, "published file " + name + extension + " is neither DER nor PEM");
      data = std::move(blocks.front().der);
    }
    return der_reply(data, type);
  }

  // The routes, without any networking: the HTTP layer hands every request here.
  HttpReply dispatch(const std::string& method, const std::string& path, const std::string& body) {
    const std::size_t limit = config.max_request_bytes;
    auto rest = [&](std::string_view prefix) -> std::optional<std::string> {
      if (path.rfind(prefix, 0) != 0) return std::nullopt;
      return path.substr(prefix.size());
    };
    if (method == "POST") {
      for (const auto& route : config.post_routes)
        if (path == route.path) {
          if (body.size() > route.max_bytes)
            return text(413, "request larger than " + std::to_string(route.max_bytes) + " bytes");
          const auto [status, type, out] = route.handler(body);
          return {status, type, out};
        }
      if (body.size() > limit) return text(413, "request larger than " + std::to_string(limit) + " bytes");
      if (path == "/tsa") return tsa(first_with_tsa(), body);
      if (auto name = rest("/tsa/"); name && plain_name(*name)) return tsa(by_name(*name), body);
      if (path == "/ocsp" || (rest("/ocsp/") && plain_name(*rest("/ocsp/")))) return ocsp(Bytes(body.begin(), body.end()));
      return text(404, "no such endpoint");
    }
    if (method != "GET") return text(405, "method not allowed");
    for (const auto& route : config.get_routes)
      if (path == route.path) {
        const auto [status, type, out] = route.handler("");
        return {status, type, out};
      }
    // Readiness: every CA's store answers (a load balancer stops sending requests to a node
    // whose database is unreachable; /health stays the liveness check of the process).
    if (path == "/ready") {
      for (auto& c : cas) {
        try {
          c->ca->store().ping();
        } catch (const std::exception& e) {
          return {503, "application/json",
                  nlohmann::json{{"status", "not ready"}, {"ca", c->ca->name()}, {"problem", e.what()}}.dump() + "\n"};
        }
      }
      return {200, "application/json", "{\"status\":\"ready\"}\n"};
    }
    if (path == "/health") {
      std::string names;
      for (auto& c : cas) names += (names.empty() ? "\"" : ",\"") + c->ca->name() + "\"";
      return {200, "application/json", "{\"status\":\"ok\",\"cas\":[" + names + "]}\n"};
    }
    if (auto name = rest("/crl/"); name && name->size() > 4 && name->ends_with(".crl")) {
      const std::string ca = name->substr(0, name->size() - 4);
      if (ca.size() > 6 && ca.ends_with("-delta"))
        if (ServedCa* d = plain_name(ca.substr(0, ca.size() - 6)) ? by_name(ca.substr(0, ca.size() - 6)) : nullptr)
          return der_reply(crl_of(*d, true), "application/pkix-crl");
      ServedCa* c = plain_name(ca) ? by_name(ca) : nullptr;
      if (!c) return published(ca, ".crl", "application/pkix-crl");
      return der_reply(crl_of(*c, false), "application/pkix-crl");
    }
    if (auto name = rest("/ca/"); name && name->size() > 4 && name->ends_with(".crt")) {
      const std::string ca = name->substr(0, name->size() - 4);
      ServedCa* c = plain_name(ca) ? by_name(ca) : nullptr;
      if (!c) return published(ca, ".crt", "application/pkix-cert");
      return der_reply(c->ca->certificate().der(), "application/pkix-cert");
    }
    // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}.
    if (auto encoded = rest("/ocsp/"); encoded && !encoded->empty()) {
      if (encoded->size() > limit * 2) return text(414, "request path too long");
      Bytes der;
      try {
        const auto decoded = Botan::base64_decode(url_decode(*encoded));
        der.assign(decoded.begin(), decoded.end());
      } catch (const FormatError&) {
        return text(400, "the OCSP GET path is not url-encoded base64");
      } catch (const Botan::Exception&) {
        return text(400, "the OCSP GET path is not base64");
      }
      return ocsp(der);
    }
    return text(404, "no such endpoint");
  }

  // Every failure becomes an answer: a malformed request is the client's (400), anything else
  // is ours (500) and is logged as such.
  HttpReply handle(const std::string& method, const std::string& path, const std::string& body) {
    try {
      return dispatch(method, path, body);
    } catch (const FormatError& e) {
      return text(400, e.what());
    } catch (const UsageError& e) {
      return text(400, e.what());
    } catch (const std::exception& e) {
      return text(500, std::string("internal error: ") + e.what());
    }
  }

};

Server::Server(ServerConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  if (impl_->config.ca_dirs.empty()) throw UsageError("serve needs at least one CA directory (--ca DIR)");
  for (const auto& dir : impl_->config.ca_dirs) {
    auto served = std::make_unique<ServedCa>();
    const std::string name = std::filesystem::path(dir).filename().string();
    auto pass_for = [&](const std::string& role) {
      PassphraseProvider p;
      if (impl_->config.key_passphrase) p = impl_->config.key_passphrase(name, role);
      return p ? p : impl_->config.passphrase;
    };
    served->ca = std::make_unique<CertificateAuthority>(CertificateAuthority::open(dir, pass_for("ca")));
    CertificateAuthority* ca = served->ca.get();
    if (ca->is_root() && !impl_->config.allow_root_ca)
      throw UsageError(dir + " is a root CA: a network-facing server must not hold a root key. Serve its issuing CA, "
                             "keep the root offline (docs/ca.md, \"Offline root\") and publish the root's CRL with "
                             "--publish DIR; --allow-root-ca is for test set-ups only");
    served->ca->unlock();
    std::string keys = "CA key (" + ca->key_location() + ")";
    if (auto tsa = ca->service("tsa", pass_for("tsa"))) {
      keys += ", TSA key (" + tsa->first.description() + ")";
      TimeStampAuthority::Config tc{.certificate = tsa->second,
                                    .key = tsa->first,
                                    .chain = ca->chain(),
                                    .next_serial = [ca] { return ca->next_time_stamp_serial(); }};
      served->tsa = std::make_unique<TimeStampAuthority>(std::move(tc));
    }
    auto ocsp = ca->service("ocsp", pass_for("ocsp"));
    if (ocsp) keys += ", OCSP key (" + ocsp->first.description() + ")";
    OcspResponder::Config oc{ca->certificate(), ocsp ? ocsp->second : ca->certificate(),
                             ocsp ? ocsp->first : ca->signing_key(),
                             [ca](const std::string& serial) -> std::optional<OcspSingleResponse> {
                               const auto rec = ca->store().find(serial);
                               if (!rec) return std::nullopt;
                               OcspSingleResponse s;
                               s.status = rec->revoked ? OcspCertStatus::revoked : OcspCertStatus::good;
                               if (rec->revoked) {
                                 s.revocation_time = rec->revocation_time;
                                 s.reason = rec->reason;
                               }
                               return s;
                             },
                             std::chrono::seconds(3600)};
    served->ocsp = std::make_unique<OcspResponder>(std::move(oc));
    ca->audit("key-use", "xsign serve opened the " + keys);
    impl_->cas.push_back(std::move(served));
  }
  impl_->http = detail::make_http_edge(*this, impl_->config);
}

Server::~Server() {
  // What the server signed with each CA's keys goes into that CA's audit log.
  for (auto& c : impl_->cas) {
    try {
      c->ca->audit("key-use", "xsign serve stopped after signing " + std::to_string(c->time_stamps.load()) +
                                  " time-stamp(s), " + std::to_string(c->ocsp_answers.load()) + " OCSP response(s), " +
                                  std::to_string(c->crls.load()) + " CRL(s)");
    } catch (const std::exception&) {
      // a store that cannot be written at shutdown must not turn a clean stop into a crash
    }
  }
}

int Server::bind(const std::string& host, int port) { return impl_->http->bind(host, port); }

void Server::run() { impl_->http->run(); }

void Server::stop() { impl_->http->stop(); }

HttpReply Server::handle(const std::string& method, const std::string& path, const std::string& body) {
  return impl_->handle(method, path, body);
}

std::vector<std::string> Server::ca_names() const {
  std::vector<std::string> out;
  for (const auto& c : impl_->cas) out.push_back(c->ca->name());
  return out;
}

}  // namespace sign
