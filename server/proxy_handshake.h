// A connection on a `listen ... proxy_protocol` listener, from a load balancer in proxy_from,
// until its PROXY header is read. The header is peeked at and parsed (proxy_header.h), then
// exactly its bytes are taken from the socket: the client's request stays there for the
// session, which the worker starts with the client address the header reports. A malformed
// header is answered 91 and logged. From the accept the connection holds a place in
// max_connections and counts as a negotiation of the balancer's address; one negotiation
// timeout covers the header and the request.
#pragma once

#include <cstdint>
#include <list>
#include <optional>

#include "endpoint.h"
#include "libevent_ptr.h"
#include "server_context.h"
#include "socks4/unique_fd.h"
#include "stats/counters.h"

namespace sockd {

class Worker;

// What a connection whose header has been read brings to its session.
struct ProxiedClient {
  ClientSlot slot;                      // held since the accept
  std::optional<Endpoint> reached;      // on the balancer; none for LOCAL/UNKNOWN
  int64_t negotiation_deadline_ms = 0;  // monotonic: accept + timeout negotiate
};

class ProxyHandshake {
 public:
  ProxyHandshake(Worker& worker, socks4::UniqueFd connection, const Endpoint& balancer,
                 int timeout_s, ClientSlot slot);
  ProxyHandshake(const ProxyHandshake&) = delete;
  ProxyHandshake& operator=(const ProxyHandshake&) = delete;

  void start(std::list<ProxyHandshake>::iterator self);  // may end the handshake at once

 private:
  static void on_readable(evutil_socket_t, short, void* arg);
  static void on_timeout(evutil_socket_t, short, void* arg);
  void read_header();
  // Logs "<balancer> <what>", counts it as `why`, answers 91 if `reply`, closes; destroys *this.
  void refuse(stats::Reason why, const std::string& what, bool reply);

  Worker& worker_;
  std::list<ProxyHandshake>::iterator self_;
  socks4::UniqueFd connection_;
  Endpoint balancer_;
  int timeout_s_;
  int64_t deadline_ms_;
  ClientSlot slot_;
  EventPtr read_event_;
  EventPtr timer_;
};

}  // namespace sockd
