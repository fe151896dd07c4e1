// A connection's socket and its one libevent event for its whole life in sockd: registered
// once (edge-triggered: read, write and the peer's FIN) when the socket is accepted or
// connected, removed once when it closes, whichever part handles it meanwhile (the session,
// the connector, the relay). One registration per socket instead of one per phase saves the
// epoll_ctl() calls of every hand-over. The readiness epoll reported is kept here until an
// operation runs into EAGAIN, so the next owner knows where things stand without asking.
#pragma once

#include <memory>

#include "libevent_ptr.h"
#include "socks4/unique_fd.h"

namespace sockd {

class WatchedSocket {
 public:
  class Handler {
   public:
    // `what`: EV_READ/EV_WRITE/EV_CLOSED as reported (the flags below are already updated),
    // or EV_TIMEOUT after activate().
    virtual void on_socket_event(WatchedSocket& socket, short what) = 0;

   protected:
    ~Handler() = default;
  };

  explicit WatchedSocket(socks4::UniqueFd fd) : fd_(std::move(fd)) {}
  WatchedSocket(const WatchedSocket&) = delete;
  WatchedSocket& operator=(const WatchedSocket&) = delete;

  // Registers the event (it reaches epoll on the next loop pass, which then reports the
  // socket's current state). False if libevent refused.
  bool watch(event_base* base, Handler* handler);
  void set_handler(Handler* handler) { handler_ = handler; }
  // Runs the handler on this loop pass, with EV_TIMEOUT (work left over, or a first look).
  void activate();

  int fd() const { return fd_.get(); }

  // Edge-triggered readiness: set by events, cleared by whoever gets EAGAIN.
  bool readable = false;
  bool writable = false;

 private:
  static void on_event(evutil_socket_t, short what, void* arg);

  socks4::UniqueFd fd_;
  EventPtr event_;  // after fd_, so it is removed before the socket closes
  Handler* handler_ = nullptr;
};

using WatchedSocketPtr = std::unique_ptr<WatchedSocket>;

}  // namespace sockd
