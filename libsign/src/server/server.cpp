// HTTP endpoints on cpp-httplib's thread pool. Every handler works on immutable state or
// state behind a lock, bounds its input, and answers a malformed request with HTTP 400.
#include <sign/asn1.hpp>
#include <sign/error.hpp>
#include <sign/ocsp.hpp>
#include <sign/server.hpp>
#include <sign/tsp.hpp>

#include <botan/base64.h>
#include <httplib.h>

#include <mutex>
#include <sstream>

namespace sign {
namespace {


std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// One CA directory being served.
struct ServedCa {
  std::unique_ptr<CertificateAuthority> ca;
  std::unique_ptr<TimeStampAuthority> tsa;
  std::unique_ptr<OcspResponder> ocsp;
  std::mutex crl_mutex;
  Bytes crl_der;
  TimePoint crl_made{};
};

}  // namespace

struct Server::Impl {
  ServerConfig config;
  std::vector<std::unique_ptr<ServedCa>> cas;
  httplib::Server http;

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

  const Bytes& crl_of(ServedCa& c) {
    std::lock_guard lock(c.crl_mutex);
    const auto now = std::chrono::system_clock::now();
    if (c.crl_der.empty() || now - c.crl_made > config.crl_cache) {
      c.crl_der = c.ca->make_crl(now).der();
      c.crl_made = now;
    }
    return c.crl_der;
  }

  void answer_ocsp(const Bytes& request, httplib::Response& res) {
    OcspRequest parsed;
    try {
      parsed = OcspRequest::parse(request);
    } catch (const FormatError&) {
      res.status = 400;
      res.set_content(std::string("\x30\x03\x0a\x01\x01", 5), "application/ocsp-response");
      return;
    }
    // The CA whose certificate the first CertID names answers.
    for (auto& c : cas) {
      if (!c->ocsp) continue;
      const auto& id = parsed.ids.front();
      if (!id.matches(c->ca->certificate(), id.serial)) continue;
      const Bytes out = c->ocsp->respond(request, std::chrono::system_clock::now());
      res.set_content(std::string(out.begin(), out.end()), "application/ocsp-response");
      return;
    }
    const Bytes unauthorized = sequence({der_tlv(0x0a, Bytes{6})});
    res.set_content(std::string(unauthorized.begin(), unauthorized.end()), "application/ocsp-response");
  }

  void answer_tsa(ServedCa* c, const httplib::Request& req, httplib::Response& res) {
    if (!c || !c->tsa) {
      res.status = 404;
      res.set_content("no time-stamping authority here\n", "text/plain");
      return;
    }
    const Bytes body(req.body.begin(), req.body.end());
    const Bytes out = c->tsa->respond(body, std::chrono::system_clock::now());
    if (TimeStampResponse::parse(out).status != 0) res.status = 400;
    res.set_content(std::string(out.begin(), out.end()), "application/timestamp-reply");
  }

  void routes() {
    const std::size_t limit = config.max_request_bytes;
    auto too_big = [limit](const httplib::Request& req, httplib::Response& res) {
      if (req.body.size() <= limit) return false;
      res.status = 413;
      res.set_content("request larger than " + std::to_string(limit) + " bytes\n", "text/plain");
      return true;
    };

    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      std::string names;
      for (auto& c : cas) names += (names.empty() ? "\"" : ",\"") + c->ca->name() + "\"";
      res.set_content("{\"status\":\"ok\",\"cas\":[" + names + "]}\n", "application/json");
    });
    http.Get(R"(/crl/([A-Za-z0-9._-]+)\.crl)", [this](const httplib::Request& req, httplib::Response& res) {
      ServedCa* c = by_name(req.matches[1]);
      if (!c) {
        res.status = 404;
        return;
      }
      const Bytes& crl = crl_of(*c);
      res.set_content(std::string(crl.begin(), crl.end()), "application/pkix-crl");
    });
    http.Get(R"(/ca/([A-Za-z0-9._-]+)\.crt)", [this](const httplib::Request& req, httplib::Response& res) {
      ServedCa* c = by_name(req.matches[1]);
      if (!c) {
        res.status = 404;
        return;
      }
      const Bytes& der = c->ca->certificate().der();
      res.set_content(std::string(der.begin(), der.end()), "application/pkix-cert");
    });
    http.Post("/tsa", [this, too_big](const httplib::Request& req, httplib::Response& res) {
      if (!too_big(req, res)) answer_tsa(first_with_tsa(), req, res);
    });
    http.Post(R"(/tsa/([A-Za-z0-9._-]+))", [this, too_big](const httplib::Request& req, httplib::Response& res) {
      if (!too_big(req, res)) answer_tsa(by_name(req.matches[1]), req, res);
    });
    auto ocsp_post = [this, too_big](const httplib::Request& req, httplib::Response& res) {
      if (!too_big(req, res)) answer_ocsp(Bytes(req.body.begin(), req.body.end()), res);
    };
    http.Post("/ocsp", ocsp_post);
    http.Post(R"(/ocsp/([A-Za-z0-9._-]+))", ocsp_post);
    // RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}.
    http.Get(R"(/ocsp/(.+))", [this, limit](const httplib::Request& req, httplib::Response& res) {
      const std::string encoded = req.matches[1];
      if (encoded.size() > limit * 2) {
        res.status = 414;
        return;
      }
      Bytes der;
      try {
        const auto decoded = Botan::base64_decode(url_decode(encoded));
        der.assign(decoded.begin(), decoded.end());
      } catch (const std::exception&) {
        res.status = 400;
        res.set_content("the OCSP GET path is not base64\n", "text/plain");
        return;
      }
      answer_ocsp(der, res);
    });
    for (const auto& route : config.post_routes) {
      http.Post(route.path, [route](const httplib::Request& req, httplib::Response& res) {
        if (req.body.size() > route.max_bytes) {
          res.status = 413;
          res.set_content("request larger than " + std::to_string(route.max_bytes) + " bytes\n", "text/plain");
          return;
        }
        const auto [status, type, body] = route.handler(req.body);
        res.status = status;
        res.set_content(body, type);
      });
    }
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      res.status = 500;
      try {
        std::rethrow_exception(ep);
      } catch (const FormatError& e) {
        res.status = 400;
        res.set_content(std::string(e.what()) + "\n", "text/plain");
      } catch (const std::exception& e) {
        res.set_content(std::string("internal error: ") + e.what() + "\n", "text/plain");
      }
    });
    if (config.access_log) {
      http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        std::ostringstream line;
        line << format_time(std::chrono::system_clock::now()) << " " << req.remote_addr << " " << req.method << " "
             << req.path << " " << res.status << " " << res.body.size();
        config.access_log(line.str());
      });
    }
  }
};

Server::Server(ServerConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  if (impl_->config.ca_dirs.empty()) throw UsageError("serve needs at least one CA directory (--ca DIR)");
  for (const auto& dir : impl_->config.ca_dirs) {
    auto served = std::make_unique<ServedCa>();
    served->ca = std::make_unique<CertificateAuthority>(CertificateAuthority::open(dir, impl_->config.passphrase));
    served->ca->unlock();
    CertificateAuthority* ca = served->ca.get();
    if (auto tsa = ca->service("tsa", impl_->config.passphrase)) {
      TimeStampAuthority::Config tc{.certificate = tsa->second,
                                    .key = tsa->first,
                                    .chain = ca->chain(),
                                    .next_serial = [ca] { return ca->next_time_stamp_serial(); }};
      served->tsa = std::make_unique<TimeStampAuthority>(std::move(tc));
    }
    auto ocsp = ca->service("ocsp", impl_->config.passphrase);
    OcspResponder::Config oc{ca->certificate(), ocsp ? ocsp->second : ca->certificate(),
                             ocsp ? ocsp->first : PrivateKey::load(dir + "/ca.key", impl_->config.passphrase),
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
    impl_->cas.push_back(std::move(served));
  }
  std::size_t largest = impl_->config.max_request_bytes;
  for (const auto& r : impl_->config.post_routes) largest = std::max(largest, r.max_bytes);
  impl_->http.set_payload_max_length(largest + 1);
  impl_->http.set_read_timeout(impl_->config.io_timeout);
  impl_->http.set_write_timeout(impl_->config.io_timeout);
  impl_->routes();
}

Server::~Server() = default;

int Server::bind(const std::string& host, int port) {
  const int bound = port == 0 ? impl_->http.bind_to_any_port(host) : (impl_->http.bind_to_port(host, port) ? port : -1);
  if (bound < 0) throw IoError("cannot listen on " + host + ":" + std::to_string(port) + " (in use, or not an address of this host)");
  return bound;
}

void Server::run() { impl_->http.listen_after_bind(); }

void Server::stop() { impl_->http.stop(); }

std::vector<std::string> Server::ca_names() const {
  std::vector<std::string> out;
  for (const auto& c : impl_->cas) out.push_back(c->ca->name());
  return out;
}

}  // namespace sign
