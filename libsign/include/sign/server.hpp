// The server module (used by `xsign serve`): HTTP endpoints for the TSA, OCSP, CRL and CA
// certificate downloads of one or more CA directories, behind an event-driven HTTP/1.1 edge
// that holds every client to deadlines and limits (docs/services.md).
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/ca.hpp>
#include <sign/trust.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sign {

struct ServerConfig {
  std::vector<std::string> ca_dirs;
  PassphraseProvider passphrase;        ///< for CA and service keys (asked once at start-up)
  /// A key's own passphrase (or PIN) source, by CA directory name and role ("ca", "tsa",
  /// "ocsp"); a null function or a null result means `passphrase`.
  std::function<PassphraseProvider(const std::string& ca_name, const std::string& role)> key_passphrase;
  /// A root CA's key belongs offline: its directory is refused unless this is set (tests).
  bool allow_root_ca = false;
  /// CRLs and certificates of CAs not served here (an offline root's), published as files:
  /// GET /crl/NAME.crl and /ca/NAME.crt answer from DIR/NAME.crl and DIR/NAME.crt (DER or PEM).
  std::string published_dir;
  std::size_t max_request_bytes = 64 * 1024;
  std::chrono::seconds io_timeout{30};        ///< to send an answer (a client that does not read is dropped)
  std::chrono::seconds header_timeout{10};    ///< from connect (or the previous answer) to the end of the headers: 408
  std::chrono::seconds body_timeout{30};      ///< from the end of the headers to the end of the body: 408
  std::size_t max_header_bytes = 16 * 1024;  ///< request line and headers: 431
  std::size_t max_headers = 64;              ///< header fields: 431
  std::size_t max_connections = 1024;        ///< open connections in total (more get 503 and are closed)
  std::size_t max_connections_per_client = 256;  ///< open connections per client address
  std::size_t workers = 0;                   ///< request handlers; 0 = 2 per core, at least 4
  std::chrono::seconds crl_cache{60};   ///< a CRL is re-issued at most this often
  std::function<void(const std::string&)> access_log;  ///< one line per request
  /// Extra routes (e.g. POST /validate from the channel): path -> handler(body) -> {status, type, body}.
  struct Route {
    std::string path;
    std::function<std::tuple<int, std::string, std::string>(const std::string& body)> handler;
    std::size_t max_bytes = 16 * 1024 * 1024;  ///< documents are larger than TSA/OCSP requests
  };
  std::vector<Route> post_routes;
  /// Extra GET routes (the verification page): path -> handler("") -> {status, type, body}.
  std::vector<Route> get_routes;
};

/// One HTTP answer.
struct HttpReply {
  int status = 200;
  std::string content_type;
  std::string body;
};

/// What the verification page of `serve --ui` verifies with, and how it makes receipts.
struct VerificationPageConfig {
  std::shared_ptr<const TrustStore> trust;
  std::shared_ptr<const ValidationPolicy> policy;
  /// When set, a page for a CMS or XML signature offers a DVCS receipt made by this TTP.
  std::shared_ptr<const SignerSpec> ttp;
  std::size_t max_upload_bytes = 32u * 1024 * 1024;
};

/// GET / and /ui (the upload form) and POST /ui/verify (multipart/form-data: `signature`, an
/// optional `document`, `lang`): the report as a page, with the JSON report and the receipt as
/// downloads inside it. Uploads live in memory for the request only; nothing is written to disk.
void add_verification_page(ServerConfig& server, const VerificationPageConfig& config);

class Server {
 public:
  /// Opens the CAs and unlocks their keys; throws on any problem, before listening.
  explicit Server(ServerConfig config);
  ~Server();
  /// Binds; returns the port (useful with port 0). Throws IoError when it cannot bind.
  int bind(const std::string& host, int port);
  /// Serves until stop(); blocking.
  void run();
  /// Stops run() from any thread.
  void stop();
  /// Answers one request without any networking (the HTTP layer calls this for every request;
  /// tests and fuzzing call it directly). Never throws: malformed requests get 4xx.
  HttpReply handle(const std::string& method, const std::string& path, const std::string& body);
  /// Names of the CAs served (their directory names).
  std::vector<std::string> ca_names() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sign
