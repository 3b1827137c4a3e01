// A small HTTP/1.1 client over non-blocking sockets. Written here rather than taken from
// cpp-httplib because every wait must be bounded by one deadline for the whole exchange (a
// server that drips one byte per second must not hold a verifier), the body limit must hold
// while reading (chunked included), and the connected address must be the one that was checked.
#include "io/http.hpp"

#include <sign/error.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sign::detail {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

struct Url {
  std::string host, port = "80", path = "/", text;
};

Url parse_url(const std::string& url) {
  Url u;
  u.text = url;
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    throw UsageError(url + " is not an http:// URL (CRLs, OCSP and time-stamps are signed: plain HTTP is used)");
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.path = rest.substr(slash);
  if (authority.find('@') != std::string::npos) throw UsageError(url + ": user information in URLs is not supported");
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) throw UsageError(url + ": unterminated IPv6 address");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw UsageError(url + ": malformed host");
      u.port = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.host.empty()) throw UsageError(url + " has no host");
  if (u.port.empty() || u.port.size() > 5 || !std::all_of(u.port.begin(), u.port.end(), ::isdigit))
    throw UsageError(url + ": malformed port");
  for (char c : u.path)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) throw UsageError(url + ": the path contains spaces or controls");
  return u;
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A GET answered with a redirect: where to (absolute http:// URL).
struct Redirect {
  std::string location;
};

class Exchange {
 public:
  Exchange(const std::string& url, const HttpLimits& limits, Clock::time_point deadline)
      : url_(parse_url(url)), limits_(limits), deadline_(deadline) {}

  Bytes run(const std::string& method, ByteView body, const std::string& content_type) {
    method_ = method;
    Socket s(connect_checked());
    std::string head = method + " " + url_.path + " HTTP/1.1\r\nHost: " + host_header() +
                       "\r\nConnection: close\r\nUser-Agent: xsign\r\nAccept: */*\r\n";
    if (method == "POST")
      head += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    head += "\r\n";
    send_all(s.fd(), ByteView(reinterpret_cast<const std::uint8_t*>(head.data()), head.size()));
    if (method == "POST") send_all(s.fd(), body);
    return read_response(s.fd());
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw IoError(url_.text + ": " + what); }

  // The Location of a redirect as an absolute URL (a path is relative to this server).
  std::string absolute_location(const std::string& head) const {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      const std::size_t next = head.find("\r\n", pos + 2);
      const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      if (line.size() < 9) continue;
      std::string name = line.substr(0, 9);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      if (name != "location:") continue;
      std::string value = line.substr(9);
      value.erase(0, value.find_first_not_of(" \t"));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      if (!value.empty() && value[0] == '/') return "http://" + host_header() + value;
      return value;
    }
    fail("answered with a redirect without a Location");
  }

  std::string host_header() const {
    const bool v6 = url_.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + url_.host + "]" : url_.host;
    if (url_.port != "80") h += ":" + url_.port;
    return h;
  }

  int remaining_ms() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    if (left <= 0)
      fail("no complete answer within " + std::to_string(limits_.deadline.count()) + " ms (deadline)");
    return static_cast<int>(std::min<long long>(left, 60 * 60 * 1000));
  }

  void wait(int fd, short events) const {
    for (;;) {
      pollfd p{fd, events, 0};
      const int n = ::poll(&p, 1, remaining_ms());
      if (n > 0) return;
      if (n == 0) remaining_ms();  // throws: the deadline passed
      else if (errno != EINTR) fail(std::string("poll failed: ") + std::strerror(errno));
    }
  }

  // Resolves, checks every address against the policy, and connects to the first that
  // answers: the address connected to is one that was checked (no second resolution).
  int connect_checked() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (const int rc = ::getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &res); rc != 0)
      fail(std::string("cannot resolve host (") + ::gai_strerror(rc) + ")");
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
    std::string last_error = "no address";
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      char host[NI_MAXHOST];
      if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) continue;
      if (!limits_.allow_private_addresses && is_private_address(host))
        fail(std::string("refusing to fetch from the non-public address ") + host +
             " (the validation policy forbids it: fetch_private_addresses)");
      const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) continue;
      Socket s(fd);
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
        last_error = std::strerror(errno);
        continue;
      }
      wait(fd, POLLOUT);
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last_error = std::strerror(err);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return ::dup(fd);  // `s` closes the original
    }
    fail("unreachable (" + last_error + ")");
  }

  void send_all(int fd, ByteView data) const {
    std::size_t done = 0;
    while (done < data.size()) {
      wait(fd, POLLOUT);
      const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) fail(std::string("connection lost while sending (") + std::strerror(errno) + ")");
      done += static_cast<std::size_t>(n);
    }
  }

  // Appends what the socket has to `buf`; false at end of stream.
  bool receive(int fd, std::string& buf, std::size_t limit) const {
    wait(fd, POLLIN);
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, std::min(sizeof chunk, limit - std::min(limit, buf.size()) + 1), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n < 0) fail(std::string("connection lost while reading (") + std::strerror(errno) + ")");
    if (n == 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  void too_big() const { fail("sent more than " + std::to_string(limits_.max_bytes) + " bytes (response size limit)"); }

  Bytes read_response(int fd) {
    std::string buf;
    std::size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > kMaxHeaderBytes) fail("response headers larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
      if (!receive(fd, buf, kMaxHeaderBytes + 4)) fail("connection closed before the response headers ended");
    }
    const std::string head = buf.substr(0, header_end);
    std::string rest = buf.substr(header_end + 4);
    // Status line: HTTP/1.x NNN reason
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) fail("did not answer with HTTP/1.x");
    const int status = std::atoi(head.substr(9, 3).c_str());
    const bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (redirect && method_ == "GET") throw Redirect{absolute_location(head)};
    if (status != 200) fail("answered HTTP " + std::to_string(status));
    std::optional<std::size_t> content_length;
    bool chunked = false;
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      const std::size_t next = head.find("\r\n", pos + 2);
      std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      pos = next;
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      if (name == "content-length") {
        if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), ::isdigit))
          fail("malformed Content-Length");
        content_length = std::stoull(value);
        if (*content_length > limits_.max_bytes) too_big();
      } else if (name == "transfer-encoding") {
        std::transform(value.begin(), value.end(), value.begin(), ::tolower);
        chunked = value.find("chunked") != std::string::npos;
      }
    }
    if (chunked) return read_chunked(fd, std::move(rest));
    const std::size_t want = content_length.value_or(limits_.max_bytes + 1);
    while (rest.size() < want) {
      if (rest.size() > limits_.max_bytes) too_big();
      if (!receive(fd, rest, limits_.max_bytes + 1)) {
        if (content_length) fail("connection closed before the whole body arrived");
        break;
      }
    }
    if (rest.size() > limits_.max_bytes) too_big();
    if (content_length) rest.resize(*content_length);
    return Bytes(rest.begin(), rest.end());
  }

  Bytes read_chunked(int fd, std::string in) {
    Bytes body;
    std::size_t at = 0;
    auto need = [&](std::size_t n) {
      while (in.size() - at < n)
        if (!receive(fd, in, limits_.max_bytes + kMaxHeaderBytes)) fail("connection closed inside a chunked body");
    };
    for (;;) {
      std::size_t eol;
      while ((eol = in.find("\r\n", at)) == std::string::npos) {
        if (in.size() - at > 1024) fail("malformed chunk header");
        need(in.size() - at + 1);
      }
      const std::string size_text = in.substr(at, eol - at);
      std::size_t size = 0;
      std::size_t digits = 0;
      for (char c : size_text) {
        if (c == ';') break;
        if (!std::isxdigit(static_cast<unsigned char>(c)) || ++digits > 15) fail("malformed chunk size");
        size = size * 16 + static_cast<std::size_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10));
      }
      at = eol + 2;
      if (size == 0) return body;
      if (body.size() + size > limits_.max_bytes) too_big();
      need(size + 2);
      body.insert(body.end(), in.begin() + static_cast<std::ptrdiff_t>(at), in.begin() + static_cast<std::ptrdiff_t>(at + size));
      at += size + 2;
      in.erase(0, at);  // keep the buffer small
      at = 0;
    }
  }

  Url url_;
  HttpLimits limits_;
  Clock::time_point deadline_;
  std::string method_;
};

}  // namespace

bool is_private_address(const std::string& numeric_host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, numeric_host.c_str(), &v4) == 1) {
    const std::uint32_t a = ntohl(v4.s_addr);
    const auto in = [&](std::uint32_t net, int bits) { return (a >> (32 - bits)) == (net >> (32 - bits)); };
    return in(0x00000000, 8) || in(0x0a000000, 8) || in(0x7f000000, 8) || in(0xa9fe0000, 16) || in(0xac100000, 12) ||
           in(0xc0a80000, 16) || in(0x64400000, 10) || in(0xc0000000, 24) || in(0xc6120000, 15) || a >= 0xe0000000;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, numeric_host.c_str(), &v6) != 1) return true;  // unknown form: not public
  const std::uint8_t* b = v6.s6_addr;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, b + 12, text, sizeof text);
    return is_private_address(text);
  }
  return IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_LINKLOCAL(&v6) ||
         IN6_IS_ADDR_SITELOCAL(&v6) || IN6_IS_ADDR_MULTICAST(&v6) || (b[0] & 0xfe) == 0xfc;
}

Bytes http_get(const std::string& url, const HttpLimits& limits) {
  // One deadline for the whole chain of redirects; every hop is resolved and checked anew.
  const auto deadline = Clock::now() + limits.deadline;
  std::string current = url;
  for (std::size_t hops = 0;; ++hops) {
    try {
      return Exchange(current, limits, deadline).run("GET", {}, "");
    } catch (const Redirect& r) {
      if (hops >= limits.max_redirects)
        throw IoError(url + ": more than " + std::to_string(limits.max_redirects) + " redirects (last to " + r.location + ")");
      if (r.location.rfind("http://", 0) != 0)
        throw IoError(url + ": redirected to " + r.location + ", which is not an http:// URL");
      current = r.location;
    }
  }
}

Bytes http_post(const std::string& url, ByteView body, const std::string& content_type, const HttpLimits& limits) {
  return Exchange(url, limits, Clock::now() + limits.deadline).run("POST", body, content_type);
}

Bytes http_get(const std::string& url, std::chrono::seconds timeout, std::size_t max_bytes) {
  return http_get(url, HttpLimits{timeout, max_bytes, true, 3});
}

Bytes http_post(const std::string& url, ByteView body, const std::string& content_type, std::chrono::seconds timeout,
                std::size_t max_bytes) {
  return http_post(url, body, content_type, HttpLimits{timeout, max_bytes, true, 0});
}

}  // namespace sign::detail
