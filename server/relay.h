// An established CONNECT or BIND connection: relays both directions until both have
// finished (EOF passed on) or one fails, then closes both sockets and logs the close line.
//
// Small on purpose — thousands are held at once: two edge-triggered events (one per socket,
// registered once for read and write, taken over from the session), no buffers while idle,
// and one idle timer that re-arms itself for the remainder instead of being reset on every
// read.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <string>

#include "bind_primaries.h"
#include "channel.h"
#include "endpoint.h"
#include "libevent_ptr.h"
#include "server_context.h"
#include "stats/relay_snapshot.h"
#include "watched_socket.h"

namespace sockd {

class Worker;

class Relay : private WatchedSocket::Handler {
 public:
  // A connection a next hop carries: the close line names what the client asked for and the
  // hop, not the hop alone.
  struct HopRoute {
    std::string destination;  // "far.test:80", "198.51.100.2:80" (raw: sanitised when logged)
    Endpoint hop;
  };
  struct Params {
    // Both already watched; their readiness flags say what is known of them.
    WatchedSocketPtr client;
    WatchedSocketPtr server;
    Endpoint client_address;
    Endpoint server_address;
    std::span<const uint8_t> early_bytes;  // client bytes that came with the request
    int idle_timeout_s = 0;                // 0: never
    ClientSlot slot;
    PrimaryHold primary;      // a CONNECT counts as a BIND's primary connection while it lives
    stats::RelayLabel label;  // user, command and destination for the status page
    std::unique_ptr<const HopRoute> hop;  // nullptr: server_address is the destination
  };

  Relay(Worker& worker, Params params);
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;
  ~Relay();  // logs the close line

  // Registers the events; false if libevent refused (the caller then drops the relay).
  bool start(std::list<Relay>::iterator self);

  // For the stats listener, on this worker's thread (stats/worker_snapshot.cc).
  stats::RelayRow stats_row(int64_t now_ms, int64_t now_coarse_ms) const;
  uint64_t bytes_upstream() const { return upstream_.bytes(); }
  uint64_t bytes_downstream() const { return downstream_.bytes(); }

 private:
  enum Side { kClient = 0, kServer = 1 };

  void on_socket_event(WatchedSocket& socket, short what) override;
  static void on_idle_timer(evutil_socket_t, short, void* arg);
  void pump();
  void fail(int error);             // closes at once; destroys *this
  void finish(const char* reason);  // destroys *this; "" for a normal end

  Worker& worker_;
  std::list<Relay>::iterator self_;
  ClientSlot slot_;
  PrimaryHold primary_;
  WatchedSocketPtr sockets_[2];
  EventPtr idle_timer_;
  Channel upstream_;    // client -> server
  Channel downstream_;  // server -> client
  Endpoint client_address_;
  Endpoint server_address_;
  stats::RelayLabel label_;
  std::unique_ptr<const HopRoute> hop_;  // only for the few a next hop carries
  int64_t started_ms_;
  int64_t last_activity_ms_;
  int idle_timeout_s_;
  const char* close_reason_ = "server stopping";  // until finish() says otherwise
};

}  // namespace sockd
