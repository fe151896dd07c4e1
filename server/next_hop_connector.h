// sockd's outbound side as a SOCKS 4 client: asks next-hop servers, in order, for a request
// (CONNECT or BIND, plain or 4a) on a worker's event loop, never blocking it. Each hop gets a
// share of the time budget for its connect and its reply; a hop that cannot be reached, closes
// without a reply or sends a malformed one is skipped for the next. A reply (granted or not) is
// the answer: no failover past a refusal. After a granted BIND, the same connection waits for
// the second reply. Bytes come from the pure codec (socks4/proto.h). It never reports from
// inside start() (deferred_call.h), and stops silently when destroyed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connector.h"
#include "deferred_call.h"
#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/proto.h"
#include "watched_socket.h"

namespace sockd {

struct NextHopResult {
  // The hop's reply; nullopt when no hop answered (`failure` says why, hop by hop).
  std::optional<socks4::Reply> reply;
  std::string failure;
  Endpoint hop;  // the hop that answered
  // A granted CONNECT's (or second BIND reply's) connection to the hop, for the relay; its
  // handler unset. Bytes the hop sent after its reply are still in the socket.
  WatchedSocketPtr socket;
};

class NextHopConnector : private WatchedSocket::Handler {
 public:
  using Done = std::function<void(NextHopResult result)>;

  explicit NextHopConnector(event_base* base) : base_(base) {}
  NextHopConnector(const NextHopConnector&) = delete;
  NextHopConnector& operator=(const NextHopConnector&) = delete;

  // Sends `request` to the first of `hops` that answers, within `budget_ms` for all of them.
  // For a granted BIND, `done` gets no socket: call await_second_reply().
  void start(std::vector<Endpoint> hops, const socks4::Request& request, int64_t budget_ms,
             Done done);
  // BIND: waits (the caller's timer bounds it) for the hop's second reply on the connection.
  void await_second_reply(Done done);

 private:
  enum class Phase { kIdle, kConnecting, kFirstReply, kSecondReply };

  void on_socket_event(WatchedSocket& socket, short what) override;
  static void on_timer(evutil_socket_t, short, void* arg);
  static void on_deferred(void* self);
  void try_next();
  void on_connected(int error, WatchedSocketPtr socket, const Endpoint& hop);
  void read_reply();
  void attempt_failed(const std::string& why);
  void report(NextHopResult result);

  event_base* base_;
  Phase phase_ = Phase::kIdle;
  std::vector<Endpoint> hops_;
  size_t next_ = 0;
  std::vector<uint8_t> request_bytes_;
  bool is_bind_ = false;
  int64_t deadline_ms_ = 0;  // monotonic
  std::optional<Connector> connector_;
  WatchedSocketPtr socket_;
  Endpoint hop_;
  std::array<uint8_t, socks4::kReplySize> reply_{};
  size_t reply_size_ = 0;
  std::string failures_;  // "HOP: why; HOP: why"
  EventPtr timer_;        // the reply's share of the budget
  DeferredCall deferred_;
  NextHopResult deferred_result_;
  Done done_;
};

}  // namespace sockd
