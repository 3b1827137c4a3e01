// A small HTTP/1.1 client over non-blocking sockets, with TLS (OpenSSL) and proxies. Written
// here rather than taken from cpp-httplib because every wait must be bounded by one deadline
// for the whole exchange (a server that drips one byte per second must not hold a verifier),
// the body limit must hold while reading (chunked included), and the connected address must be
// the one that was checked.
#include "io/http.hpp"

#include <sign/error.hpp>

#include "support/lazy_library.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

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

// libssl opened on the first https:// request: linking it loaded it (and resolved its symbols)
// in every process, though most runs verify offline and never speak TLS. libcrypto, which it
// needs, is already there.
const LazyLibrary& libssl() {
  static const LazyLibrary library("libssl.so.3", "libssl3", "TLS (https:// URLs)");
  return library;
}
#define SSL_CALL(fn) LAZY_CALL(libssl(), fn)

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

struct Url {
  std::string scheme = "http", host, port = "80", path = "/", text;
  bool tls() const { return scheme == "https"; }
};

Url parse_url(const std::string& url) {
  Url u;
  u.text = url;
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    u.scheme = "https";
    u.port = "443";
    rest = url.substr(8);
  } else {
    throw UsageError(url + " is not an http:// or https:// URL");
  }
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

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// One TLS context per CA file (the system's store when empty), made once: loading the system
// bundle costs milliseconds, and a batch makes many requests.
struct TlsContexts {
  std::map<std::string, SSL_CTX*> by_ca_file;
  ~TlsContexts() {
    for (auto& [file, ctx] : by_ca_file) SSL_CALL(SSL_CTX_free)(ctx);
  }
};

SSL_CTX* tls_context(const std::string& ca_file) {
  // OpenSSL is initialized before the cache exists, so that the cache is destroyed (its
  // contexts freed) before OpenSSL's own clean-up at exit.
  SSL_CALL(OPENSSL_init_ssl)(0, nullptr);
  static std::mutex mutex;
  static TlsContexts cache;
  auto& contexts = cache.by_ca_file;
  std::lock_guard lock(mutex);
  if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
  SSL_CTX* ctx = SSL_CALL(SSL_CTX_new)(SSL_CALL(TLS_client_method)());
  if (!ctx) throw InternalError("OpenSSL could not make a TLS context");
  SSL_CALL(SSL_CTX_ctrl)(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr);  // SSL_CTX_set_min_proto_version
  SSL_CALL(SSL_CTX_set_verify)(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CALL(SSL_CTX_set_default_verify_paths)(ctx);
  if (!ca_file.empty() && SSL_CALL(SSL_CTX_load_verify_locations)(ctx, ca_file.c_str(), nullptr) != 1) {
    SSL_CALL(SSL_CTX_free)(ctx);
    throw NoInputError(ca_file + ": cannot load TLS CA certificates (PEM expected)");
  }
  contexts[ca_file] = ctx;
  return ctx;
}

std::string tls_errors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown TLS error" : out;
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

  ~Exchange() {
    if (ssl_) SSL_CALL(SSL_free)(ssl_);
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  Bytes run(const std::string& method, ByteView body, const std::string& content_type) {
    method_ = method;
    const std::string proxy = proxy_for(url_.text);
    std::optional<Socket> s;
    std::string target = url_.path;
    if (proxy.empty()) {
      s.emplace(connect_checked(url_.host, url_.port, true));
    } else {
      // Through a proxy the proxy resolves the name: only a literal address can be checked here.
      if (!limits_.allow_private_addresses && looks_numeric(url_.host) && is_private_address(url_.host))
        fail("refusing to fetch from the non-public address " + url_.host +
             " (the validation policy forbids it: fetch_private_addresses)");
      const Url p = parse_url(proxy);
      via_proxy_ = p.host + ":" + p.port;
      s.emplace(connect_checked(p.host, p.port, false));
      if (url_.tls()) tunnel(s->fd());
      else target = "http://" + host_header() + url_.path;  // absolute form (RFC 9112 §3.2.2)
    }
    fd_ = s->fd();
    if (url_.tls()) handshake();
    std::string head = method + " " + target + " HTTP/1.1\r\nHost: " + host_header() +
                       "\r\nConnection: close\r\nUser-Agent: xsign\r\nAccept: */*\r\n";
    if (method == "POST")
      head += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    head += "\r\n";
    send_all(ByteView(reinterpret_cast<const std::uint8_t*>(head.data()), head.size()));
    if (method == "POST") send_all(body);
    return read_response();
  }

 private:
  static bool looks_numeric(const std::string& host) {
    in6_addr a6{};
    in_addr a4{};
    return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
  }

  // HTTP CONNECT to the target through the proxy, before TLS (RFC 9110 §9.3.6).
  void tunnel(int fd) {
    const std::string authority = host_header_with_port();
    const std::string req = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\nUser-Agent: xsign\r\n\r\n";
    fd_ = fd;
    send_all(ByteView(reinterpret_cast<const std::uint8_t*>(req.data()), req.size()));
    std::string buf;
    while (buf.find("\r\n\r\n") == std::string::npos) {
      if (buf.size() > kMaxHeaderBytes) fail("the proxy " + via_proxy_ + " sent oversized headers");
      // One byte at a time: nothing after the proxy's headers may be consumed (TLS follows).
      wait(fd, POLLIN);
      char c;
      const ssize_t n = ::recv(fd, &c, 1, 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) fail("the proxy " + via_proxy_ + " closed the connection during CONNECT");
      buf += c;
    }
    if (buf.rfind("HTTP/1.", 0) != 0 || buf.size() < 12 || buf.substr(9, 3) != "200")
      fail("the proxy " + via_proxy_ + " refused the tunnel: " + buf.substr(0, buf.find("\r\n")));
  }

  void handshake() {
    ssl_ = SSL_CALL(SSL_new)(tls_context(limits_.tls_ca_file));
    if (!ssl_) fail("cannot start TLS: " + tls_errors());
    SSL_CALL(SSL_set_fd)(ssl_, fd_);
    if (!looks_numeric(url_.host)) {
      SSL_CALL(SSL_ctrl)(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,  // SSL_set_tlsext_host_name
                         const_cast<char*>(url_.host.c_str()));
      SSL_CALL(SSL_set1_host)(ssl_, url_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_CALL(SSL_get0_param)(ssl_), url_.host.c_str());
    }
    for (;;) {
      ERR_clear_error();
      const int rc = SSL_CALL(SSL_connect)(ssl_);
      if (rc == 1) return;
      const int err = SSL_CALL(SSL_get_error)(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ) wait(fd_, POLLIN);
      else if (err == SSL_ERROR_WANT_WRITE) wait(fd_, POLLOUT);
      else {
        const long verify = SSL_CALL(SSL_get_verify_result)(ssl_);
        if (verify != X509_V_OK)
          fail(std::string("TLS: the server's certificate is not trusted (") + X509_verify_cert_error_string(verify) +
               "); a private CA is given with --tsa-ca / tls_ca_file");
        fail("TLS handshake failed: " + tls_errors());
      }
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(url_.text + (via_proxy_.empty() ? "" : " (through the proxy " + via_proxy_ + ")") + ": " + what);
  }

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
      if (!value.empty() && value[0] == '/') return url_.scheme + "://" + host_header() + value;
      return value;
    }
    fail("answered with a redirect without a Location");
  }

  std::string host_header() const {
    const bool v6 = url_.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + url_.host + "]" : url_.host;
    if (url_.port != (url_.tls() ? "443" : "80")) h += ":" + url_.port;
    return h;
  }
  std::string host_header_with_port() const {
    const bool v6 = url_.host.find(':') != std::string::npos;
    return (v6 ? "[" + url_.host + "]" : url_.host) + ":" + url_.port;
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
  // `check`: the address rule applies (the target); a proxy the user configured is exempt.
  int connect_checked(const std::string& host_name, const std::string& port, bool check) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (const int rc = ::getaddrinfo(host_name.c_str(), port.c_str(), &hints, &res); rc != 0)
      fail(std::string("cannot resolve ") + (check ? "host" : "the proxy " + host_name) + " (" + ::gai_strerror(rc) + ")");
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
    std::string last_error = "no address";
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      char host[NI_MAXHOST];
      if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) continue;
      if (check && !limits_.allow_private_addresses && is_private_address(host))
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
    fail((check ? std::string("unreachable (") : "the proxy " + host_name + ":" + port + " is unreachable (") + last_error + ")");
  }

  void send_all(ByteView data) const {
    std::size_t done = 0;
    while (done < data.size()) {
      if (ssl_) {
        ERR_clear_error();
        const int n = SSL_CALL(SSL_write)(ssl_, data.data() + done, static_cast<int>(std::min<std::size_t>(data.size() - done, 1 << 20)));
        if (n > 0) {
          done += static_cast<std::size_t>(n);
          continue;
        }
        const int err = SSL_CALL(SSL_get_error)(ssl_, n);
        if (err == SSL_ERROR_WANT_WRITE) wait(fd_, POLLOUT);
        else if (err == SSL_ERROR_WANT_READ) wait(fd_, POLLIN);
        else fail("connection lost while sending (TLS: " + tls_errors() + ")");
        continue;
      }
      wait(fd_, POLLOUT);
      const ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) fail(std::string("connection lost while sending (") + std::strerror(errno) + ")");
      done += static_cast<std::size_t>(n);
    }
  }

  // Appends what the connection has to `buf`; false at end of stream.
  bool receive(std::string& buf, std::size_t limit) const {
    char chunk[16384];
    const std::size_t want = std::min(sizeof chunk, limit - std::min(limit, buf.size()) + 1);
    if (ssl_) {
      for (;;) {
        if (SSL_CALL(SSL_pending)(ssl_) == 0) wait(fd_, POLLIN);
        ERR_clear_error();
        const int n = SSL_CALL(SSL_read)(ssl_, chunk, static_cast<int>(want));
        if (n > 0) {
          buf.append(chunk, static_cast<std::size_t>(n));
          return true;
        }
        const int err = SSL_CALL(SSL_get_error)(ssl_, n);
        if (err == SSL_ERROR_WANT_READ) continue;
        if (err == SSL_ERROR_WANT_WRITE) {
          wait(fd_, POLLOUT);
          continue;
        }
        // close_notify, or a peer that just closes (common; the body length still decides).
        if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) return false;
        fail("connection lost while reading (TLS: " + tls_errors() + ")");
      }
    }
    wait(fd_, POLLIN);
    const ssize_t n = ::recv(fd_, chunk, want, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n < 0) fail(std::string("connection lost while reading (") + std::strerror(errno) + ")");
    if (n == 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  void too_big() const { fail("sent more than " + std::to_string(limits_.max_bytes) + " bytes (response size limit)"); }

  Bytes read_response() {
    std::string buf;
    std::size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > kMaxHeaderBytes) fail("response headers larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
      if (!receive(buf, kMaxHeaderBytes + 4)) fail("connection closed before the response headers ended");
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
    if (chunked) return read_chunked(std::move(rest));
    const std::size_t want = content_length.value_or(limits_.max_bytes + 1);
    while (rest.size() < want) {
      if (rest.size() > limits_.max_bytes) too_big();
      if (!receive(rest, limits_.max_bytes + 1)) {
        if (content_length) fail("connection closed before the whole body arrived");
        break;
      }
    }
    if (rest.size() > limits_.max_bytes) too_big();
    if (content_length) rest.resize(*content_length);
    return Bytes(rest.begin(), rest.end());
  }

  Bytes read_chunked(std::string in) {
    Bytes body;
    std::size_t at = 0;
    auto need = [&](std::size_t n) {
      while (in.size() - at < n)
        if (!receive(in, limits_.max_bytes + kMaxHeaderBytes)) fail("connection closed inside a chunked body");
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
  std::string via_proxy_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
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
      if (r.location.rfind("http://", 0) != 0 && r.location.rfind("https://", 0) != 0)
        throw IoError(url + ": redirected to " + r.location + ", which is not an http(s):// URL");
      current = r.location;
    }
  }
}

Bytes http_post(const std::string& url, ByteView body, const std::string& content_type, const HttpLimits& limits) {
  return Exchange(url, limits, Clock::now() + limits.deadline).run("POST", body, content_type);
}

Bytes http_get(const std::string& url, std::chrono::seconds timeout, std::size_t max_bytes, const std::string& tls_ca_file) {
  return http_get(url, HttpLimits{timeout, max_bytes, true, 3, tls_ca_file});
}

Bytes http_post(const std::string& url, ByteView body, const std::string& content_type, std::chrono::seconds timeout,
                std::size_t max_bytes, const std::string& tls_ca_file) {
  return http_post(url, body, content_type, HttpLimits{timeout, max_bytes, true, 0, tls_ca_file});
}

std::string proxy_for(const std::string& url) {
  const Url u = parse_url(url);
  std::string no_proxy = env("no_proxy");
  if (no_proxy.empty()) no_proxy = env("NO_PROXY");
  const std::string host = lower(u.host);
  std::size_t pos = 0;
  while (pos <= no_proxy.size()) {
    const auto comma = std::min(no_proxy.find(',', pos), no_proxy.size());
    std::string item = no_proxy.substr(pos, comma - pos);
    pos = comma + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
    if (const auto colon = item.rfind(':'); colon != std::string::npos && item.find(':') == colon) item.resize(colon);
    item = lower(item);
    if (item.empty()) continue;
    if (item == "*") return {};
    if (item[0] == '.') item.erase(0, 1);
    if (host == item || (host.size() > item.size() && host.compare(host.size() - item.size(), item.size(), item) == 0 &&
                         host[host.size() - item.size() - 1] == '.'))
      return {};
  }
  std::string proxy = u.tls() ? env("https_proxy") : env("http_proxy");
  if (proxy.empty()) proxy = u.tls() ? env("HTTPS_PROXY") : std::string();  // HTTP_PROXY: never (httpoxy)
  if (proxy.empty()) return {};
  if (proxy.find("://") == std::string::npos) proxy = "http://" + proxy;
  if (proxy.rfind("http://", 0) != 0) throw UsageError("proxy " + proxy + ": only http:// proxies are supported");
  return proxy;
}

}  // namespace sign::detail
