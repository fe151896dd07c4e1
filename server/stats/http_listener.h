// The stats listener: libevent's evhttp on the main thread's event loop (no thread per request),
// serving GET /metrics, /status.json and / to the clients stats_allow admits (403 for others).
// Bounded against hostile clients: header size, body size, an idle timeout, a whole-connection
// deadline (slowloris), and a cap on open connections (those over it are closed at once).
#pragma once

#include <event2/bufferevent.h>
#include <event2/http.h>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "../conf/sockd_conf.h"
#include "../libevent_ptr.h"
#include "report.h"
#include "socks4/unique_fd.h"

namespace sockd::stats {

struct StatsSocket {
  socks4::UniqueFd fd;  // bound and listening
  std::string address;  // "127.0.0.1:9101", the port as bound
};

// Binds and listens (before privileges are dropped); false with `error` on the first failure.
bool bind_stats_sockets(const std::vector<socks4::conf::ListenAddress>& addresses,
                        std::vector<StatsSocket>* sockets, std::string* error);

class StatsListener {
 public:
  static constexpr size_t kMaxHeaderBytes = 8192;
  static constexpr size_t kMaxBodyBytes = 1024;
  static constexpr int kIdleTimeoutS = 10;
  static constexpr int kConnectionDeadlineS = 30;  // whole connection, however busy
  static constexpr size_t kMaxConnections = 64;
  static constexpr int kSweepMs = 250;

  // `gather(with_relays)` builds a report; `allowed()` is the active stats_allow list.
  using Gather = std::function<Report(bool with_relays)>;
  using Allowed = std::function<std::vector<socks4::conf::AddressMask>()>;

  StatsListener(event_base* base, Gather gather, Allowed allowed);
  StatsListener(const StatsListener&) = delete;
  StatsListener& operator=(const StatsListener&) = delete;
  ~StatsListener();

  // Serves on `sockets` (taken over); false with `error` if evhttp refuses.
  bool start(std::vector<StatsSocket> sockets, std::string* error);

 private:
  // A connection evhttp serves: its socket bufferevent, held by one extra reference so that it
  // can be looked at after evhttp has freed it (evhttp 2.1 says nothing when a connection that
  // never sent a request goes away).
  struct Connection {
    bufferevent* socket = nullptr;
    int64_t deadline_ms = 0;  // monotonic
  };
  struct EvhttpFree {
    void operator()(evhttp* http) const { evhttp_free(http); }
  };

  static bufferevent* on_connection(event_base* base, void* arg);
  static void on_sweep(evutil_socket_t, short, void* arg);
  static void on_request(evhttp_request* request, void* arg);
  // Drops the connections evhttp has freed.
  void forget_freed();
  // forget_freed(), then shuts down those past their deadline or over the cap (evhttp then
  // sees the end and frees them).
  void sweep();
  void arm_sweep();  // in kSweepMs, unless already pending
  void respond(evhttp_request* request);
  void refuse(evhttp_request* request, const std::string& client);

  event_base* base_;
  Gather gather_;
  Allowed allowed_;
  std::list<Connection> connections_;
  EventPtr sweep_timer_;
  int64_t refusal_log_second_ = 0;  // one 403 log line per second at most
  std::unique_ptr<evhttp, EvhttpFree> http_;
};

}  // namespace sockd::stats
