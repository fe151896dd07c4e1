// One event-loop thread: its own event_base, resolver, listening sockets (SO_REUSEPORT lets
// the kernel spread clients over the workers), pools, and the sessions and relays it owns.
// Other threads talk to it only through an eventfd (stop, reload, a waiting BIND's primary
// connection closed), so no libevent object is ever shared between threads.
#pragma once

#include <atomic>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "acceptor.h"
#include "bind_waiter.h"
#include "libevent_ptr.h"
#include "pools.h"
#include "proxy_handshake.h"
#include "relay.h"
#include "server_context.h"
#include "session.h"
#include "socks4/unique_fd.h"
#include "stats/counters.h"
#include "stats/relay_snapshot.h"

namespace sockd {

class Worker {
 public:
  // `proxy_protocol[i]`: listen_sockets[i] is a `listen ... proxy_protocol` listener.
  Worker(ServerContext& context, int index, std::vector<socks4::UniqueFd> listen_sockets,
         std::vector<bool> proxy_protocol = {});
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  // Creates the event base, resolver and listeners; on failure returns false with `error`.
  bool init(std::string* error);
  void start();  // runs the loop on a new thread
  // Thread-safe requests, acted on by the worker thread.
  void request_stop();
  void request_reload();
  void join();

  // For the sessions and relays of this worker (worker thread only).
  event_base* base() const { return base_.get(); }
  evdns_base* dns() const { return dns_.get(); }
  Pools& pools() { return pools_; }
  ServerContext& context() { return context_; }
  // Where other threads post news for this worker's waiting BINDs (thread-safe).
  BindWakeups& bind_wakeups() { return bind_wakeups_; }
  // This worker's counters (worker thread only; read through snapshot requests).
  stats::WorkerCounters& stats() { return stats_; }
  // Thread-safe: asks for a copy of the counters and live relays (stats/relay_snapshot.h).
  void post_snapshot(std::shared_ptr<stats::SnapshotRequest> request) {
    snapshots_.post(std::move(request));
  }
  // A libevent "common timeout" for `seconds`: thousands of equal timers cost O(1) each.
  const timeval* timeout(int seconds);
  void start_relay(Relay::Params params);
  void end_session(std::list<Session>::iterator session);
  void end_relay(std::list<Relay>::iterator relay);
  void end_handshake(std::list<ProxyHandshake>::iterator handshake);
  // A client whose PROXY header has been read: `peer` is the address it reports (the
  // balancer's own for LOCAL/UNKNOWN); its own per-source limits apply from now on.
  void accept_proxied(socks4::UniqueFd client, const Endpoint& peer, ProxiedClient proxied);

 private:
  static void on_control(evutil_socket_t, short, void* arg);
  void run();
  // `proxied`: through a load balancer (see accept_proxied), already in max_connections.
  void accept_client(socks4::UniqueFd client, const Endpoint& peer,
                     ProxiedClient* proxied = nullptr);
  // A connection on a proxy_protocol listener: from a balancer in proxy_from, its header is
  // read first, the connection counted in max_connections and as a negotiation of the
  // balancer's address meanwhile; from anyone else it is refused.
  void accept_balancer(socks4::UniqueFd connection, const Endpoint& balancer);
  void reload_resolver();
  void log_resolver_warnings(const std::vector<std::string>& warnings) const;
  void wake();  // brings on_control() round on this worker's thread (any thread)

  ServerContext& context_;
  int index_;
  std::vector<socks4::UniqueFd> listen_sockets_;  // until init() hands them to the acceptor
  std::vector<bool> proxy_protocol_;
  socks4::UniqueFd control_;  // eventfd: stop, reload, BIND wake-ups
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> reload_requested_{false};
  BindWakeups bind_wakeups_{[this] { wake(); }};
  stats::SnapshotMailbox snapshots_{[this] { wake(); }};
  stats::WorkerCounters stats_;
  Pools pools_;
  std::map<int, timeval> timeouts_;  // seconds -> (common) timeout
  // Destroyed in reverse order: connections first, then the resolver, then the base.
  EventBasePtr base_;
  EvdnsBasePtr dns_;
  EventPtr control_event_;
  std::optional<Acceptor> acceptor_;
  std::list<ProxyHandshake> handshakes_;
  std::list<Session> sessions_;
  std::list<Relay> relays_;
  std::thread thread_;
};

}  // namespace sockd
