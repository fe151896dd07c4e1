// A TCP server on 127.0.0.1:<ephemeral> that runs a handler per connection, each in its own
// thread. stop() (also run by the destructor) wakes every handler by shutting its socket down
// and joins all threads, so nothing outlives the test.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "socks4/unique_fd.h"

namespace socks4::test {

class LoopbackServer {
 public:
  // Handlers get a blocking socket with kIoTimeout send/receive timeouts; the server closes it
  // when the handler returns.
  using Handler = std::function<void(int fd)>;

  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  void stop();

 private:
  struct Connection {
    UniqueFd fd;
    std::thread thread;
  };
  void accept_loop();

  Handler handler_;
  UniqueFd listener_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mutex_;  // guards connections_' fds against close/shutdown races
  std::list<Connection> connections_;
  std::thread acceptor_;
};

// Echoes everything back; after the client's EOF, shuts down its own write side.
void echo_handler(int fd);

// Answers one HTTP/1.x request with 200 and `body`, then closes.
LoopbackServer::Handler http_handler(std::string body);

}  // namespace socks4::test
