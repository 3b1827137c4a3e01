// The HTTP edge of `xsign serve` under hostile clients, over raw sockets: every limit answers
// with its status (431, 413, 408, 417, 400, 501, 505, 503) and nothing is buffered past it;
// slow clients cannot starve the others.
#include <catch2/catch.hpp>

#include "server/http_edge.hpp"
#include "support.hpp"

#include <sign/error.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

// An edge on 127.0.0.1 with a handler that echoes the body size, served on its own thread.
struct Edge {
  std::atomic<int> handled{0};
  std::unique_ptr<sign::detail::HttpEdge> edge;
  std::thread thread;
  int port = 0;

  explicit Edge(sign::detail::HttpLimits limits = {}, std::size_t body_limit = 64 * 1024) {
    edge = std::make_unique<sign::detail::HttpEdge>(
        limits, [body_limit](const std::string& m, const std::string&) { return m == "POST" ? body_limit : 0; },
        [this](const sign::detail::HttpRequest& r) {
          ++handled;
          return sign::HttpReply{200, "text/plain", r.method + " " + r.path + " " + std::to_string(r.body.size()) + "\n"};
        },
        nullptr);
    port = edge->bind("127.0.0.1", 0);
    thread = std::thread([this] { edge->run(); });
  }
  ~Edge() {
    edge->stop();
    thread.join();
  }
};

using Client = testing::RawClient;

std::string status_of(const std::string& response) { return testing::http_status(response); }

}  // namespace

TEST_CASE("HTTP edge: ordinary requests, keep-alive and pipelining", "[server][http]") {
  Edge e;
  Client c(e.port);
  REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\nPOST /tsa HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                 "POST /tsa HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n"));
  const std::string out = c.read_all(500);
  CHECK_THAT(out, Catch::Contains("GET /health 0") && Catch::Contains("POST /tsa 5") && Catch::Contains("POST /tsa 5\n"));
  CHECK(e.handled == 3);
  Client old(e.port);
  REQUIRE(old.send("GET /x?query=1 HTTP/1.0\r\n\r\n"));
  const std::string r = old.read_all();
  CHECK_THAT(r, Catch::StartsWith("HTTP/1.1 200") && Catch::Contains("Connection: close") && Catch::Contains("GET /x 0"));
}

TEST_CASE("HTTP edge: header limits give 431, malformed requests 400, 501, 505", "[server][http]") {
  Edge e;
  auto ask = [&](const std::string& request) {
    Client c(e.port);
    c.send(request);
    return status_of(c.read_all());
  };
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(ask(many + "\r\n") == "HTTP/1.1 431");
  CHECK(ask("GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n") == "HTTP/1.1 431");
  {
    // Refused before the end of the headers arrives: nothing is buffered past the limit.
    Client c(e.port);
    c.send("GET / HTTP/1.1\r\nX-Big: " + std::string(17000, 'a'));
    CHECK(status_of(c.read_all()) == "HTTP/1.1 431");
  }
  CHECK(ask("NONSENSE\r\n\r\n") == "HTTP/1.1 400");
  CHECK(ask("GET / HTTP/2.0\r\n\r\n") == "HTTP/1.1 505");
  CHECK(ask("GET noslash HTTP/1.1\r\n\r\n") == "HTTP/1.1 400");
  CHECK(ask("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc") == "HTTP/1.1 400");
  CHECK(ask("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc") == "HTTP/1.1 400");
  CHECK(ask("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == "HTTP/1.1 501");
  CHECK(ask("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == "HTTP/1.1 400");
  CHECK(ask("GET / HTTP/1.1\r\n folded: x\r\n\r\n") == "HTTP/1.1 400");
  CHECK(ask("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == "HTTP/1.1 400");
  CHECK(e.handled == 0);
}

TEST_CASE("HTTP edge: body limits give 413 while reading, Expect is answered against the limit", "[server][http]") {
  Edge e;
  SECTION("Content-Length over the limit: refused before the body") {
    Client c(e.port);
    c.send("POST /tsa HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n");
    const auto r = c.read_all();
    CHECK(status_of(r) == "HTTP/1.1 413");
    CHECK_THAT(r, Catch::Contains("65536"));
  }
  SECTION("Expect: 100-continue over the limit gets 413, never 100") {
    Client c(e.port);
    c.send("POST /tsa HTTP/1.1\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n");
    const auto r = c.read_all();
    CHECK(status_of(r) == "HTTP/1.1 413");
    CHECK_THAT(r, !Catch::Contains("100 Continue"));
  }
  SECTION("Expect: 100-continue within the limit gets 100, then the answer") {
    Client c(e.port);
    c.send("POST /tsa HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
    REQUIRE(c.readable(2000));
    char buf[64] = {};
    const auto n = ::recv(c.fd(), buf, sizeof buf - 1, 0);
    CHECK(std::string(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) == "HTTP/1.1 100 Continue\r\n\r\n");
    c.send("abcd");
    CHECK_THAT(c.read_all(500), Catch::Contains("POST /tsa 4"));
  }
  SECTION("an unknown expectation gets 417") {
    Client c(e.port);
    c.send("POST /tsa HTTP/1.1\r\nContent-Length: 4\r\nExpect: something\r\n\r\n");
    CHECK(status_of(c.read_all()) == "HTTP/1.1 417");
  }
  SECTION("a chunked body is refused as soon as it passes the limit") {
    Client c(e.port);
    c.send("POST /tsa HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";  // 16 KiB
    std::size_t sent = 0;
    std::string answer;
    while (sent < 100u * 1024 * 1024) {
      if (c.readable(0)) {
        char buf[256] = {};
        const auto n = ::recv(c.fd(), buf, sizeof buf - 1, 0);
        answer.assign(buf, static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        break;
      }
      if (!c.send(chunk)) break;
      sent += 0x4000;
    }
    // The answer comes while the client is still sending (what it had sent sits in socket
    // buffers, not in the server), and the server stops reading soon after.
    CHECK(status_of(answer) == "HTTP/1.1 413");
    CHECK(sent < 32u * 1024 * 1024);
  }
  SECTION("a GET with a body is refused") {
    Client c(e.port);
    c.send("GET /health HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789");
    CHECK(status_of(c.read_all()) == "HTTP/1.1 413");
  }
  CHECK(e.handled <= 1);
}

TEST_CASE("HTTP edge: deadlines give 408, Range is ignored", "[server][http]") {
  sign::detail::HttpLimits limits;
  limits.header_deadline = 400ms;
  limits.body_deadline = 400ms;
  Edge e(limits);
  {
    Client c(e.port);
    c.send("GET / HTTP/1.1\r\nX-Slow: ");  // and never more
    const auto start = std::chrono::steady_clock::now();
    CHECK(status_of(c.read_all(3000)) == "HTTP/1.1 408");
    CHECK(std::chrono::steady_clock::now() - start < 2500ms);
  }
  {
    // One byte every 100 ms keeps no connection alive past the header deadline.
    Client c(e.port);
    const std::string request = "GET / HTTP/1.1\r\nX-Dribble: " + std::string(100, 'a') + "\r\n\r\n";
    bool closed = false;
    for (std::size_t i = 0; i < request.size() && !closed; ++i) {
      closed = !c.send(request.substr(i, 1)) || c.readable(100);
    }
    CHECK(closed);
    CHECK(status_of(c.read_all()) == "HTTP/1.1 408");
  }
  {
    Client c(e.port);
    c.send("POST /tsa HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part");
    CHECK(status_of(c.read_all(3000)) == "HTTP/1.1 408");
  }
  {
    std::string ranges = "bytes=0-0";
    for (int i = 1; i < 2000; ++i) ranges += ",0-" + std::to_string(i);
    Client c(e.port);
    c.send("GET /health HTTP/1.1\r\nRange: " + ranges + "\r\nConnection: close\r\n\r\n");
    const auto r = c.read_all();
    CHECK(status_of(r) == "HTTP/1.1 200");
    CHECK(r.size() < 200);
  }
}

TEST_CASE("HTTP edge: connection caps, and slow clients do not starve the others", "[server][http]") {
  sign::detail::HttpLimits limits;
  limits.max_connections_per_client = 80;
  limits.workers = 2;
  Edge e(limits);
  // 64 slowloris connections, each with half a request line.
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 64; ++i) {
    slow.push_back(std::make_unique<Client>(e.port));
    slow.back()->send("GET /slow HTTP/1.1\r\nX-A: ");
  }
  int answered = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    Client c(e.port);
    c.send("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
    if (status_of(c.read_all(1000)) == "HTTP/1.1 200") ++answered;
  }
  CHECK(answered == 20);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // Past the per-client cap (80 with the 64 open): 503 at once.
  std::vector<std::unique_ptr<Client>> more;
  for (int i = 0; i < 16; ++i) more.push_back(std::make_unique<Client>(e.port));
  Client over(e.port);
  CHECK(status_of(over.read_all(1000)) == "HTTP/1.1 503");
}
