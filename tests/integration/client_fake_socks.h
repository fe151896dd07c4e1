// A scripted SOCKS4 server on 127.0.0.1 for the client library's tests: it records each
// request, answers with the code the test chose (or never, to test timeouts), and after a
// granted CONNECT echoes what it receives. A BIND gets a first reply, then a second one and a
// greeting, as if the application server had connected. Every wait is bounded.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "socks4/proto.h"
#include "socks4/unique_fd.h"

namespace socks4::testing {

struct FakeSocksScript {
  std::optional<ReplyCode> reply = ReplyCode::kGranted;  // nullopt: never answer
  int reply_delay_ms = 0;
  Reply bind_first{ReplyCode::kGranted, 4321, 0};            // 0.0.0.0: "use the server's address"
  Reply bind_second{ReplyCode::kGranted, 5555, 0xc000020a};  // 192.0.2.10:5555
  const char* bind_greeting = "hello from the application server";
};

class FakeSocksServer {
 public:
  explicit FakeSocksServer(FakeSocksScript script = {});
  ~FakeSocksServer();
  FakeSocksServer(const FakeSocksServer&) = delete;
  FakeSocksServer& operator=(const FakeSocksServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<Request> requests();
  int connections() const { return connections_.load(); }

 private:
  void accept_loop();
  void serve(UniqueFd client);

  FakeSocksScript script_;
  UniqueFd listener_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<Request> requests_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

// A port on 127.0.0.1 where nothing listens (connects there are refused).
uint16_t refused_port();

}  // namespace socks4::testing
