// A connection on a `listen ... proxy_protocol` listener, from a load balancer in proxy_from,
// until its PROXY header is read. The header is peeked at and parsed (proxy_header.h), then
// exactly its bytes are taken from the socket: the client's request stays there for the
// session, which the worker starts with the client address the header reports. A malformed
// header is answered 91 and logged; the header must come within the negotiation timeout.
#pragma once

#include <list>

#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/unique_fd.h"

namespace sockd {

class Worker;

class ProxyHandshake {
 public:
  ProxyHandshake(Worker& worker, socks4::UniqueFd connection, const Endpoint& balancer,
                 int timeout_s);
  ProxyHandshake(const ProxyHandshake&) = delete;
  ProxyHandshake& operator=(const ProxyHandshake&) = delete;

  void start(std::list<ProxyHandshake>::iterator self);  // may end the handshake at once

 private:
  static void on_readable(evutil_socket_t, short, void* arg);
  static void on_timeout(evutil_socket_t, short, void* arg);
  void read_header();
  // Logs "<balancer> <what>", answers 91 if `reply`, closes; destroys *this.
  void refuse(const std::string& what, bool reply);

  Worker& worker_;
  std::list<ProxyHandshake>::iterator self_;
  socks4::UniqueFd connection_;
  Endpoint balancer_;
  int timeout_s_;
  EventPtr read_event_;
  EventPtr timer_;
};

}  // namespace sockd
