// TCP sockets on several loopback addresses that share one port: some listening (each
// connection accepted and closed at once), some only bound, so a connection to them is refused.
// A destination "127.0.0.2:PORT" is then reachable or not by the test's choice, and nothing but
// loopback is ever bound.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "socket_io.h"
#include "socks4/unique_fd.h"

namespace socks4::test {

class SharedPortListeners {
 public:
  // On success port() != 0; else error() says why.
  SharedPortListeners(const std::vector<std::string>& listening,
                      const std::vector<std::string>& refusing);
  ~SharedPortListeners();
  SharedPortListeners(const SharedPortListeners&) = delete;
  SharedPortListeners& operator=(const SharedPortListeners&) = delete;

  uint16_t port() const { return port_; }
  const std::string& error() const { return error_; }
  int accepted() const { return accepted_.load(); }

 private:
  bool bind_all(const std::vector<std::string>& listening,
                const std::vector<std::string>& refusing);
  void accept_loop();

  std::vector<UniqueFd> listeners_;
  std::vector<UniqueFd> refusers_;
  uint16_t port_ = 0;
  std::string error_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace socks4::test
