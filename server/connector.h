// Outbound connection: tries each destination address in turn with non-blocking connects,
// sharing a time budget between them, and reports the first that succeeds or the last error.
// It never reports from inside start() (deferred_call.h), and stops silently when destroyed.
// The connected socket comes out already watched (watched_socket.h), its event registered once
// for the rest of its life.
#pragma once

#include <functional>
#include <vector>

#include "deferred_call.h"
#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/unique_fd.h"
#include "watched_socket.h"

namespace sockd {

class Connector : private WatchedSocket::Handler {
 public:
  // On success `error` is 0 and `socket` is connected to `peer` (its handler unset: the
  // caller's to set); otherwise `error` is the errno of the last attempt (ETIMEDOUT when the
  // budget ran out).
  using Done = std::function<void(int error, WatchedSocketPtr socket, const Endpoint& peer)>;

  explicit Connector(event_base* base) : base_(base) {}
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // `budget_ms` covers all attempts; each attempt gets an equal share of what is left.
  // `caller_times_budget`: the caller has its own timer for the end of the budget (and reports
  // the timeout itself), so the last attempt, whose share ends there too, needs no timer here.
  void start(std::vector<Endpoint> addresses, int64_t budget_ms, Done done,
             bool caller_times_budget = false);

 private:
  void on_socket_event(WatchedSocket& socket, short what) override;
  static void on_timer(evutil_socket_t, short, void* arg);
  static void on_deferred(void* self);
  void try_next();         // starts attempts until one is in progress or none are left
  void report(int error);  // calls done_ (deferred if inside start())
  void attempt_failed(int error);

  event_base* base_;
  std::vector<Endpoint> addresses_;
  size_t next_ = 0;
  int64_t deadline_ms_ = 0;  // monotonic
  int last_error_ = 0;
  WatchedSocketPtr socket_;
  EventPtr timer_;         // the attempt's timeout (none if only the caller's is needed)
  DeferredCall deferred_;  // a report from inside start()
  Done done_;
};

}  // namespace sockd
