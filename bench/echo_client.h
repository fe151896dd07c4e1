// One client's way through: connect, SOCKS4 CONNECT (when proxied), a 1-byte echo round trip,
// and optionally the server's close (EOF) carried back through the proxy.
// Non-blocking and edge-triggered: the socket is registered once (in, out) and advance() makes
// all the progress it can on every event, so a step costs no extra epoll_ctl calls.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <vector>

#include "epoll.h"
#include "net.h"

namespace socksbench {

class EchoClient {
 public:
  enum class State { kIdle, kConnecting, kAwaitReply, kAwaitEcho, kAwaitClose, kDone, kFailed };

  // `request` is the encoded SOCKS4 request to send first, or nullptr for a direct connection.
  // It must outlive the client. With `await_close`, done means the echo came back and then EOF.
  EchoClient(const sockaddr_in& first_hop, const std::vector<uint8_t>* request, bool await_close)
      : first_hop_(first_hop), request_(request), await_close_(await_close) {}

  // Opens a new connection and registers it with `epoll` under `tag`.
  State start(Epoll& epoll, uint64_t tag);
  // Progress after an event. In kDone, a readable socket means the peer closed: kFailed.
  State advance(uint32_t events);
  // From kDone: send one more byte and expect it back (kAwaitEcho, later kDone again).
  State ping();
  // From kDone: ask the echo server to close ('q'); kDone again once EOF arrives.
  State quit();
  void close() {
    fd_.reset();
    state_ = State::kIdle;
  }
  State state() const { return state_; }

 private:
  State send_byte();
  State read_reply();
  State read_echo();
  State read_close();
  State fail() { return state_ = State::kFailed; }

  sockaddr_in first_hop_;
  const std::vector<uint8_t>* request_;
  bool await_close_;
  UniqueFd fd_;
  State state_ = State::kIdle;
  uint8_t reply_[8] = {};
  size_t reply_bytes_ = 0;
};

}  // namespace socksbench
