// A hostile HTTP peer for client tests: accepts connections on 127.0.0.1, counts them, and
// drips one byte every 100 ms for at most a minute (bounded; it stops with the object).
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "support.hpp"

namespace testing {

class DripServer {
 public:
  DripServer() {
    fd_ = loopback_listener(port_);
    REQUIRE(fd_ >= 0);
    thread_ = std::thread([this] { loop(); });
  }
  ~DripServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (auto& t : clients_) t.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void loop() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      clients_.emplace_back([this, c] {
        const char* head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
        ::send(c, head, std::strlen(head), MSG_NOSIGNAL);
        for (int i = 0; i < 600 && !stop_; ++i) {
          if (::send(c, "x", 1, MSG_NOSIGNAL) != 1) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ::close(c);
      });
    }
  }
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
  std::vector<std::thread> clients_;
};

}  // namespace testing
