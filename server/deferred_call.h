// "Never report from inside start()", in one place. The asynchronous pieces (DnsLookup,
// Connector, IdentdQuery) may have their result before their start() returns (a hosts-file
// name, a connect that fails at once, a socket that cannot be opened). Reporting then would run
// the owner's callback while the owner is still inside its call to start(), and the callback may
// destroy the piece under it. So such a result waits for the next pass of the event loop:
// DeferredCall knows whether start() is running and runs one call on the next pass; cancelling
// or destroying it drops the call. Its event is made only when a call is deferred.
#pragma once

#include "libevent_ptr.h"

namespace sockd {

class DeferredCall {
 public:
  using Function = void (*)(void* owner);

  // Marks start() as running for its lifetime: `auto starting = deferred_.starting();`.
  class Starting {
   public:
    explicit Starting(DeferredCall& call) : call_(call) { call_.inside_start_ = true; }
    ~Starting() { call_.inside_start_ = false; }
    Starting(const Starting&) = delete;
    Starting& operator=(const Starting&) = delete;

   private:
    DeferredCall& call_;
  };

  DeferredCall() = default;
  DeferredCall(const DeferredCall&) = delete;
  DeferredCall& operator=(const DeferredCall&) = delete;

  [[nodiscard]] Starting starting() { return Starting(*this); }
  bool inside_start() const { return inside_start_; }

  // Runs function(owner) on the next loop pass of `base`, replacing a call not yet run. False
  // if libevent cannot (then nothing runs, and the owner's own time limit ends the wait).
  bool schedule(event_base* base, Function function, void* owner);
  void cancel() { event_.reset(); }
  bool scheduled() const { return event_ != nullptr; }

 private:
  static void on_event(evutil_socket_t, short, void* arg);

  bool inside_start_ = false;
  EventPtr event_;
  Function function_ = nullptr;
  void* owner_ = nullptr;
};

}  // namespace sockd
