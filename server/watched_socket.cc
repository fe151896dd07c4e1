#include "watched_socket.h"

namespace sockd {

bool WatchedSocket::watch(event_base* base, Handler* handler) {
  handler_ = handler;
  event_.reset(
      event_new(base, fd_.get(), EV_READ | EV_WRITE | EV_PERSIST | EV_ET, &on_event, this));
  return event_ && event_add(event_.get(), nullptr) == 0;
}

void WatchedSocket::activate() {
  event_active(event_.get(), EV_TIMEOUT, 1);
}

void WatchedSocket::on_event(evutil_socket_t, short what, void* arg) {
  auto* self = static_cast<WatchedSocket*>(arg);
  if (what & EV_READ) self->readable = true;
  if (what & EV_WRITE) self->writable = true;
  if (self->handler_) self->handler_->on_socket_event(*self, what);
}

}  // namespace sockd
