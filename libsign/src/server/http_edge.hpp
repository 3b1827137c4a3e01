// Internal: the HTTP/1.1 edge of `xsign serve`. One epoll thread owns every socket and reads
// requests with deadlines and limits; complete requests go to a worker pool, so a slow or
// hostile client costs a file descriptor and a bounded buffer, never a worker.
#pragma once

#include <sign/server.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace sign::detail {

struct HttpLimits {
  std::size_t max_header_bytes = 16 * 1024;  ///< request line and headers together (431)
  std::size_t max_headers = 64;              ///< header fields (431)
  std::chrono::milliseconds header_deadline{10000};  ///< from connect (or the previous answer) to the end of the headers (408)
  std::chrono::milliseconds body_deadline{30000};    ///< from the end of the headers to the end of the body (408)
  std::chrono::milliseconds write_deadline{30000};   ///< to send an answer; then the connection is dropped
  std::size_t max_connections = 1024;        ///< open connections in total; more are closed at once
  std::size_t max_connections_per_client = 256;  ///< per client address
  std::size_t workers = 0;                   ///< request handlers; 0 = 2 per core (at least 4)
  std::size_t max_queued = 1024;             ///< complete requests waiting for a worker (503 beyond)
};

/// A complete request as the edge hands it over.
struct HttpRequest {
  std::string method, path, body, client;
};

class HttpEdge {
 public:
  /// `body_limit(method, path)`: the largest body accepted for that endpoint (413 beyond,
  /// enforced while reading, chunked included). `handler` answers; `log` gets one line per answer.
  HttpEdge(HttpLimits limits, std::function<std::size_t(const std::string&, const std::string&)> body_limit,
           std::function<HttpReply(const HttpRequest&)> handler,
           std::function<void(const HttpRequest&, const HttpReply&)> log);
  ~HttpEdge();
  HttpEdge(const HttpEdge&) = delete;
  HttpEdge& operator=(const HttpEdge&) = delete;

  /// Binds and listens; returns the port (the one chosen when `port` is 0). IoError on failure.
  int bind(const std::string& host, int port);
  /// Serves until stop(); blocking.
  void run();
  /// Makes run() return (from any thread, or a signal-handling thread).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sign::detail
