// One SOCKS negotiation on an application's socket, as a non-blocking state machine:
// connect to a server (the next one on failure), send the request, read the reply (and, for
// BIND, the second reply). It never blocks: callers wait for wanted_events() themselves, with
// poll/select/epoll, and call advance() again. Every step has a deadline.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "socks4/client_context.h"
#include "socks4/proto.h"

namespace socks4::client {

enum class Progress { kPending, kDone, kFailed };

// A resolved SOCKS server, in the address family of the application's socket.
struct ServerEndpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  uint32_t ipv4 = 0;  // host byte order
  uint16_t port = 0;
  std::string label;  // "host:port" as configured, for traces
};

// Resolves the configured servers for a socket of `family` (AF_INET, or AF_INET6 with
// v4-mapped addresses). Names are resolved here, IPv4 only; unresolvable ones are skipped.
std::vector<ServerEndpoint> resolve_servers(const std::vector<ServerAddress>& servers, int family);

// errno for a refusing reply: 91 -> ECONNREFUSED, 92 and 93 (identd) -> EACCES.
int errno_for_reply(ReplyCode code);

class Negotiation {
 public:
  using Clock = std::chrono::steady_clock;

  Negotiation(std::vector<ServerEndpoint> servers, std::vector<uint8_t> request,
              const ClientTimeouts& timeouts);

  // Starts connecting `fd` (non-blocking) to the first server.
  Progress start(int fd);
  // Moves forward as far as possible without blocking.
  Progress advance(int fd);

  Progress progress() const;
  // poll(2) events the next step waits for (POLLOUT or POLLIN); 0 when not pending.
  short wanted_events() const;
  // Milliseconds until the current step's deadline (>= 0).
  int remaining_ms() const;
  int error() const { return error_; }  // errno once kFailed
  bool is_bind() const;
  // BIND: the first reply arrived (the server listens); the second may still be pending.
  bool bound() const { return bound_; }
  const Reply& first_reply() const { return first_reply_; }
  const Reply& second_reply() const { return second_reply_; }
  const ServerEndpoint& server() const { return servers_[index_]; }

 private:
  enum class Step { kConnecting, kSending, kFirstReply, kSecondReply, kDone, kFailed };

  Progress connect_current(int fd);
  Progress next_server(int fd, int error);
  Progress fail(int error);
  Progress read_reply(int fd);
  bool expired() const { return Clock::now() >= deadline_; }
  void set_deadline(int ms) { deadline_ = Clock::now() + std::chrono::milliseconds(ms); }

  std::vector<ServerEndpoint> servers_;
  size_t index_ = 0;
  std::vector<uint8_t> request_;
  size_t sent_ = 0;
  std::array<uint8_t, kReplySize> reply_{};
  size_t received_ = 0;
  ClientTimeouts timeouts_;
  Step step_ = Step::kConnecting;
  Clock::time_point deadline_{};
  int error_ = 0;
  bool bound_ = false;
  Reply first_reply_;
  Reply second_reply_;
};

}  // namespace socks4::client
