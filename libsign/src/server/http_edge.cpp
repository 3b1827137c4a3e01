// The HTTP/1.1 edge of `xsign serve`: one epoll thread reads every connection without blocking
// and holds it to deadlines and limits; a worker pool answers complete requests. cpp-httplib
// (Debian 12: 0.11.4) gives each connection a worker for its whole life, so eight clients
// sending a header line every few seconds stopped it, and it buffered chunked bodies whole
// before any limit (docs/architecture.md). Here a slow client holds only its socket and a
// buffer bounded by the limits; every limit is checked while reading.
#include "server/http_edge.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sign::detail {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes a refused upload may still send us after the answer (so that the client reads the
// answer instead of a reset), and for how long.
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;  // more than loopback socket buffers hold
constexpr std::chrono::milliseconds kLinger{2000};
// Request bodies and read buffers of all connections together.
constexpr std::size_t kMaxBufferedTotal = 256u * 1024 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxChunkLine = 1024;

const char* reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

struct Connection {
  enum class Phase { headers, body, waiting, writing, lingering };
  int fd = -1;
  std::uint64_t id = 0;
  std::string client;
  Phase phase = Phase::headers;
  Clock::time_point deadline;
  std::string in;  // received, not yet consumed
  HttpRequest request;
  bool keep_alive = true;
  bool close_after_write = false;
  // Body framing.
  bool chunked = false;
  std::size_t content_length = 0, limit = 0;
  enum class Chunk { size, data, data_end, trailer } chunk = Chunk::size;
  std::size_t chunk_left = 0, trailer_bytes = 0;
  // Answer being written.
  std::string out;
  std::size_t written = 0;
  std::size_t lingered = 0;
  std::size_t buffered() const { return in.size() + request.body.size(); }
};

}  // namespace

struct HttpEdge::Impl {
  HttpLimits limits;
  std::function<std::size_t(const std::string&, const std::string&)> body_limit;
  std::function<HttpReply(const HttpRequest&)> handler;
  std::function<void(const HttpRequest&, const HttpReply&)> log;

  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  std::atomic<bool> stopping{false};
  std::unordered_map<int, Connection> connections;  // by fd
  std::unordered_map<std::uint64_t, int> fd_of;     // connection id -> fd
  std::map<std::string, std::size_t> per_client;
  std::uint64_t next_id = 1;
  std::optional<Clock::time_point> listen_paused_until;
  struct TooLarge {};

  // Worker pool: jobs in, answers out (woken through wake_fd).
  std::mutex mutex;
  std::condition_variable job_ready;
  std::deque<std::pair<std::uint64_t, HttpRequest>> jobs;
  std::deque<std::pair<std::uint64_t, HttpReply>> done;
  std::vector<std::thread> workers;

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    job_ready.notify_all();
    for (auto& w : workers)
      if (w.joinable()) w.join();
    for (auto& [fd, c] : connections) ::close(fd);
    for (int fd : {listen_fd, epoll_fd, wake_fd})
      if (fd >= 0) ::close(fd);
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
  }

  void worker() {
    while (true) {
      std::pair<std::uint64_t, HttpRequest> job;
      {
        std::unique_lock lock(mutex);
        job_ready.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (stopping) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      HttpReply reply;
      try {
        reply = handler(job.second);
      } catch (const std::exception& e) {
        reply = {500, "text/plain", std::string("internal error: ") + e.what() + "\n"};
      }
      if (log) log(job.second, reply);
      {
        std::lock_guard lock(mutex);
        done.emplace_back(job.first, std::move(reply));
      }
      wake();
    }
  }

  void watch(Connection& c) {
    epoll_event ev{};
    switch (c.phase) {
      case Connection::Phase::headers:
      case Connection::Phase::body:
      case Connection::Phase::lingering: ev.events = EPOLLIN | EPOLLRDHUP; break;
      case Connection::Phase::writing: ev.events = EPOLLOUT; break;
      case Connection::Phase::waiting: ev.events = 0; break;  // hang-ups are still reported
    }
    ev.data.fd = c.fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void close_connection(int fd) {
    auto it = connections.find(fd);
    if (it == connections.end()) return;
    if (auto pc = per_client.find(it->second.client); pc != per_client.end() && --pc->second == 0) per_client.erase(pc);
    fd_of.erase(it->second.id);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    connections.erase(it);
  }

  // Queues an answer on the connection and starts writing it.
  void answer(Connection& c, const HttpReply& r, bool close_after) {
    c.close_after_write = close_after || !c.keep_alive;
    c.out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
    if (!r.content_type.empty()) c.out += "Content-Type: " + r.content_type + "\r\n";
    c.out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    c.out += c.close_after_write ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
    c.out += r.body;
    c.written = 0;
    c.phase = Connection::Phase::writing;
    c.deadline = Clock::now() + limits.write_deadline;
    watch(c);
    write_some(c);
  }

  // An answer the edge gives itself (a limit or a malformed request); the connection ends.
  void refuse(Connection& c, int status, const std::string& why) {
    HttpRequest r = c.request;
    r.client = c.client;
    const HttpReply reply{status, "text/plain", why + "\n"};
    if (log) log(r, reply);
    answer(c, reply, true);
  }

  void write_some(Connection& c) {
    while (c.written < c.out.size()) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n < 0 && errno == EINTR) continue;
      close_connection(c.fd);
      return;
    }
    c.out.clear();
    c.out.shrink_to_fit();
    if (c.close_after_write) {
      // Stop sending, then read and drop what the client still sends for a moment, so that it
      // sees the answer rather than a reset.
      ::shutdown(c.fd, SHUT_WR);
      c.phase = Connection::Phase::lingering;
      c.deadline = Clock::now() + kLinger;
      watch(c);
      return;
    }
    // Keep-alive: the next request may already be in the buffer.
    c.request = HttpRequest{};
    c.phase = Connection::Phase::headers;
    c.deadline = Clock::now() + limits.header_deadline;
    watch(c);
    if (!c.in.empty()) progress(c);
  }

  // Parses the request line and headers once they are all in.
  void parse_headers(Connection& c, std::size_t end) {
    const std::string head = c.in.substr(0, end);
    c.in.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return refuse(c, 400, "malformed request line");
    c.request.method = request_line.substr(0, sp1);
    std::string target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string version = request_line.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return refuse(c, 505, "only HTTP/1.0 and HTTP/1.1 are spoken here");
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
      const auto slash = target.find('/', target.find("//") + 2);
      target = slash == std::string::npos ? "/" : target.substr(slash);
    }
    if (target.empty() || target[0] != '/') return refuse(c, 400, "the request target must be a path");
    c.request.path = target.substr(0, target.find('?'));
    c.keep_alive = version == "HTTP/1.1";

    std::map<std::string, std::string> fields;
    std::size_t count = 0;
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      const std::string_view line(head.data() + pos, next - pos);
      pos = next + 2;
      if (++count > limits.max_headers)
        return refuse(c, 431, "more than " + std::to_string(limits.max_headers) + " header fields");
      if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) return refuse(c, 400, "folded header lines are not accepted");
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return refuse(c, 400, "malformed header field");
      const std::string name = lower(std::string(line.substr(0, colon)));
      const std::string value = trim(line.substr(colon + 1));
      if ((name == "content-length" || name == "transfer-encoding") && fields.count(name))
        return refuse(c, 400, "repeated " + name);
      fields[name] = fields.count(name) ? fields[name] + "," + value : value;
    }
    if (auto it = fields.find("connection"); it != fields.end()) {
      const std::string v = lower(it->second);
      if (v.find("close") != std::string::npos) c.keep_alive = false;
      else if (v.find("keep-alive") != std::string::npos) c.keep_alive = true;
    }
    // Range is not honoured: every answer is whole (RFC 9110 §14.2 allows ignoring it).
    c.limit = body_limit(c.request.method, c.request.path);
    const auto te = fields.find("transfer-encoding");
    const auto cl = fields.find("content-length");
    if (te != fields.end() && cl != fields.end())
      return refuse(c, 400, "both Transfer-Encoding and Content-Length (a request smuggling pattern)");
    c.chunked = false;
    c.content_length = 0;
    if (te != fields.end()) {
      if (lower(te->second) != "chunked") return refuse(c, 501, "only the chunked transfer coding is accepted");
      c.chunked = true;
      c.chunk = Connection::Chunk::size;
      c.trailer_bytes = 0;
    } else if (cl != fields.end()) {
      const std::string& v = cl->second;
      if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        return refuse(c, 400, "malformed Content-Length");
      c.content_length = std::stoull(v);
      if (c.content_length > c.limit)
        return refuse(c, 413, "request body of " + v + " bytes is larger than the " + std::to_string(c.limit) +
                                  "-byte limit of " + c.request.path);
    }
    if (auto ex = fields.find("expect"); ex != fields.end()) {
      if (lower(ex->second) != "100-continue") return refuse(c, 417, "unsupported Expect");
      // The limit was checked above: a client told to continue will be accepted.
      if (c.chunked || c.content_length > 0) {
        const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
        [[maybe_unused]] const auto n = ::send(c.fd, cont.data(), cont.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
    }
    c.phase = Connection::Phase::body;
    c.deadline = Clock::now() + limits.body_deadline;
  }

  // Moves body bytes from the read buffer into the request; true when the body is complete.
  bool take_body(Connection& c) {
    if (!c.chunked) {
      const std::size_t need = c.content_length - c.request.body.size();
      const std::size_t n = std::min(need, c.in.size());
      c.request.body.append(c.in, 0, n);
      c.in.erase(0, n);
      return c.request.body.size() == c.content_length;
    }
    while (true) {
      switch (c.chunk) {
        case Connection::Chunk::size: {
          const auto eol = c.in.find("\r\n");
          if (eol == std::string::npos) {
            if (c.in.size() > kMaxChunkLine) throw FormatError("chunk size line too long");
            return false;
          }
          const std::string line = c.in.substr(0, std::min(eol, c.in.find(';')));
          c.in.erase(0, eol + 2);
          std::size_t size = 0;
          if (line.empty() || line.size() > 15) throw FormatError("malformed chunk size");
          for (char ch : trim(line)) {
            const int v = std::isxdigit(static_cast<unsigned char>(ch)) ? (std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0' : (std::tolower(ch) - 'a' + 10)) : -1;
            if (v < 0) throw FormatError("malformed chunk size");
            size = size * 16 + static_cast<std::size_t>(v);
          }
          if (size > c.limit || c.request.body.size() + size > c.limit) throw TooLarge{};
          if (size == 0) {
            c.chunk = Connection::Chunk::trailer;
          } else {
            c.chunk_left = size;
            c.chunk = Connection::Chunk::data;
          }
          break;
        }
        case Connection::Chunk::data: {
          const std::size_t n = std::min(c.chunk_left, c.in.size());
          c.request.body.append(c.in, 0, n);
          c.in.erase(0, n);
          c.chunk_left -= n;
          if (c.chunk_left > 0) return false;
          c.chunk = Connection::Chunk::data_end;
          break;
        }
        case Connection::Chunk::data_end:
          if (c.in.size() < 2) return false;
          if (c.in.compare(0, 2, "\r\n") != 0) throw FormatError("chunk data not followed by CRLF");
          c.in.erase(0, 2);
          c.chunk = Connection::Chunk::size;
          break;
        case Connection::Chunk::trailer: {
          const auto eol = c.in.find("\r\n");
          if (eol == std::string::npos) {
            if (c.in.size() + c.trailer_bytes > limits.max_header_bytes) throw FormatError("trailer too large");
            return false;
          }
          c.trailer_bytes += eol + 2;
          if (c.trailer_bytes > limits.max_header_bytes) throw FormatError("trailer too large");
          const bool last = eol == 0;
          c.in.erase(0, eol + 2);
          if (last) return true;
          break;
        }
      }
    }
  }


  // Advances a connection as far as its buffered bytes allow.
  void progress(Connection& c) {
    const int fd = c.fd;
    if (c.phase == Connection::Phase::headers) {
      const auto end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.in.size() > limits.max_header_bytes)
          return refuse(c, 431, "request line and headers larger than " + std::to_string(limits.max_header_bytes) + " bytes");
        return;
      }
      if (end + 4 > limits.max_header_bytes)
        return refuse(c, 431, "request line and headers larger than " + std::to_string(limits.max_header_bytes) + " bytes");
      parse_headers(c, end);
      if (!connections.count(fd) || c.phase != Connection::Phase::body) return;
    }
    if (c.phase != Connection::Phase::body) return;
    bool complete = false;
    try {
      complete = take_body(c);
    } catch (const TooLarge&) {
      return refuse(c, 413, "request body larger than the " + std::to_string(c.limit) + "-byte limit of " + c.request.path);
    } catch (const FormatError& e) {
      return refuse(c, 400, std::string("malformed chunked body: ") + e.what());
    }
    if (!complete) return;
    c.request.client = c.client;
    c.phase = Connection::Phase::waiting;
    watch(c);
    std::size_t queued;
    {
      std::lock_guard lock(mutex);
      queued = jobs.size();
      if (queued < limits.max_queued) jobs.emplace_back(c.id, c.request);
    }
    if (queued >= limits.max_queued) return refuse(c, 503, "too many requests waiting; try again");
    job_ready.notify_one();
  }

  std::size_t total_buffered() const {
    std::size_t sum = 0;
    for (const auto& [fd, c] : connections) sum += c.buffered();
    return sum;
  }

  void on_readable(Connection& c) {
    char buf[kReadChunk];
    while (true) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return close_connection(c.fd);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      if (c.phase == Connection::Phase::lingering) {
        c.lingered += static_cast<std::size_t>(n);
        if (c.lingered > kLingerBytes) return close_connection(c.fd);
        continue;
      }
      c.in.append(buf, static_cast<std::size_t>(n));
      const int fd = c.fd;
      progress(c);
      if (!connections.count(fd)) return;
      // Large bodies (a document to validate) count against one budget for all connections.
      if (c.phase == Connection::Phase::body && c.buffered() > kReadChunk * 16 && total_buffered() > kMaxBufferedTotal)
        return refuse(c, 503, "the server holds too much request data; try again");
      if (c.phase != Connection::Phase::headers && c.phase != Connection::Phase::body) break;
    }
  }

  void accept_all() {
    while (true) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Out of descriptors: stop listening for a moment rather than spin on a listening
          // socket that stays readable.
          epoll_event ev{};
          ev.data.fd = listen_fd;
          ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
          listen_paused_until = Clock::now() + std::chrono::milliseconds(100);
        }
        return;
      }
      char host[NI_MAXHOST] = "?";
      ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, nullptr, 0, NI_NUMERICHOST);
      const std::string client = host;
      if (connections.size() >= limits.max_connections || per_client[client] >= limits.max_connections_per_client) {
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        [[maybe_unused]] const auto n = ::send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        ::close(fd);
        if (per_client[client] == 0) per_client.erase(client);
        continue;
      }
      ++per_client[client];
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Connection c;
      c.fd = fd;
      c.id = next_id++;
      c.client = client;
      c.deadline = Clock::now() + limits.header_deadline;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      fd_of[c.id] = fd;
      connections.emplace(fd, std::move(c));
    }
  }

  void deliver_answers() {
    std::uint64_t drained;
    [[maybe_unused]] const auto n = ::read(wake_fd, &drained, sizeof drained);
    std::deque<std::pair<std::uint64_t, HttpReply>> ready;
    {
      std::lock_guard lock(mutex);
      ready.swap(done);
    }
    for (auto& [id, reply] : ready) {
      const auto it = fd_of.find(id);
      if (it == fd_of.end()) continue;  // the client left meanwhile
      Connection& c = connections.at(it->second);
      answer(c, reply, false);
    }
  }

  void expire(Clock::time_point now) {
    std::vector<int> late;
    for (auto& [fd, c] : connections)
      if (c.phase != Connection::Phase::waiting && now > c.deadline) late.push_back(fd);
    for (int fd : late) {
      auto it = connections.find(fd);
      if (it == connections.end()) continue;
      Connection& c = it->second;
      const bool started = c.phase == Connection::Phase::body || !c.in.empty();
      if ((c.phase == Connection::Phase::headers || c.phase == Connection::Phase::body) && started)
        refuse(c, 408, c.phase == Connection::Phase::body ? "the request body did not arrive in time"
                                                          : "the request headers did not arrive in time");
      else
        close_connection(fd);  // idle keep-alive, a stalled reader, or the end of a linger
    }
  }

  void loop() {
    epoll_event events[128];
    auto last_sweep = Clock::now();
    while (!stopping) {
      const int n = ::epoll_wait(epoll_fd, events, 128, 200);
      if (n < 0 && errno != EINTR) throw IoError(std::string("epoll_wait: ") + std::strerror(errno));
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd) {
          accept_all();
          continue;
        }
        if (fd == wake_fd) {
          deliver_answers();
          continue;
        }
        auto it = connections.find(fd);
        if (it == connections.end()) continue;
        Connection& c = it->second;
        const auto ev = events[i].events;
        if (ev & (EPOLLERR | EPOLLHUP)) {
          close_connection(fd);
          continue;
        }
        if (ev & EPOLLOUT && c.phase == Connection::Phase::writing) write_some(c);
        else if (ev & (EPOLLIN | EPOLLRDHUP)) on_readable(c);
      }
      const auto now = Clock::now();
      if (listen_paused_until && now > *listen_paused_until) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = listen_fd;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
        listen_paused_until.reset();
      }
      if (now - last_sweep > std::chrono::milliseconds(100)) {
        expire(now);
        last_sweep = now;
      }
    }
  }
};

HttpEdge::HttpEdge(HttpLimits limits, std::function<std::size_t(const std::string&, const std::string&)> body_limit,
                   std::function<HttpReply(const HttpRequest&)> handler,
                   std::function<void(const HttpRequest&, const HttpReply&)> log)
    : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->body_limit = std::move(body_limit);
  impl_->handler = std::move(handler);
  impl_->log = std::move(log);
}

HttpEdge::~HttpEdge() = default;

int HttpEdge::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0 || !found)
    throw IoError("cannot listen on " + host + ":" + service + " (not an address of this host)");
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  // SO_REUSEADDR only: SO_REUSEPORT would let a second server share the port (and its requests).
  int yes = 1;
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  const bool ok = fd >= 0 && ::bind(fd, found->ai_addr, found->ai_addrlen) == 0 && ::listen(fd, 512) == 0;
  ::freeaddrinfo(found);
  if (!ok) {
    if (fd >= 0) ::close(fd);
    throw IoError("cannot listen on " + host + ":" + service + " (in use, or not an address of this host)");
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const int actual = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl_->listen_fd = fd;
  impl_->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->epoll_fd < 0 || impl_->wake_fd < 0) throw IoError("cannot create the event loop");
  for (int watched : {impl_->listen_fd, impl_->wake_fd}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = watched;
    ::epoll_ctl(impl_->epoll_fd, EPOLL_CTL_ADD, watched, &ev);
  }
  return actual;
}

void HttpEdge::run() {
  if (impl_->listen_fd < 0) throw InternalError("run() before bind()");
  // Descriptors for every connection allowed: raise the soft limit to the hard one, and keep
  // the connection cap below what the process can open (files, logs, the CA stores).
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
    if (nofile.rlim_cur < nofile.rlim_max) {
      nofile.rlim_cur = nofile.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &nofile);
      ::getrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur > 128)
      impl_->limits.max_connections = std::min<std::size_t>(impl_->limits.max_connections, nofile.rlim_cur - 64);
  }
  const std::size_t n = impl_->limits.workers ? impl_->limits.workers
                                              : std::max<std::size_t>(4, 2 * std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < n; ++i) impl_->workers.emplace_back([this] { impl_->worker(); });
  impl_->loop();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->job_ready.notify_all();
  for (auto& w : impl_->workers) w.join();
  impl_->workers.clear();
}

void HttpEdge::stop() {
  impl_->stopping = true;
  if (impl_->wake_fd >= 0) impl_->wake();
}

}  // namespace sign::detail
