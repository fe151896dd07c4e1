#include "relay.h"

#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>

#include "connector.h"
#include "log.h"
#include "worker.h"

namespace sockd {
namespace {

// Milliseconds from the coarse clock: cheap enough to read on every transfer, and fine
// enough that an idle timeout of N seconds never fires after less than N seconds of silence.
int64_t coarse_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1'000'000;
}

}  // namespace

Relay::Relay(Worker& worker, Params params)
    : worker_(worker),
      slot_(std::move(params.slot)),
      primary_(std::move(params.primary)),
      client_address_(params.client_address),
      server_address_(params.server_address),
      started_ms_(monotonic_ms()),
      last_activity_ms_(coarse_ms()),
      idle_timeout_s_(params.idle_timeout_s) {
  sockets_[kClient] = std::move(params.client);
  sockets_[kServer] = std::move(params.server);
  upstream_.preload(params.early_bytes, worker_.pools());
}

Relay::~Relay() {
  double seconds = static_cast<double>(monotonic_ms() - started_ms_) / 1000.0;
  std::string client = client_address_.to_string();
  std::string server = server_address_.to_string();
  log::info("%s close %s: sent %llu received %llu bytes in %.3fs%s%s%s", client.c_str(),
            server.c_str(), static_cast<unsigned long long>(upstream_.bytes()),
            static_cast<unsigned long long>(downstream_.bytes()), seconds,
            *close_reason_ ? " (" : "", close_reason_, *close_reason_ ? ")" : "");
}

bool Relay::start(std::list<Relay>::iterator self) {
  self_ = self;
  event_base* base = worker_.base();
  constexpr short kFlags = EV_READ | EV_WRITE | EV_PERSIST | EV_ET;
  events_[kClient].reset(event_new(base, sockets_[kClient].get(), kFlags, &on_client_event, this));
  events_[kServer].reset(event_new(base, sockets_[kServer].get(), kFlags, &on_server_event, this));
  if (!events_[kClient] || !events_[kServer] || event_add(events_[kClient].get(), nullptr) != 0 ||
      event_add(events_[kServer].get(), nullptr) != 0) {
    close_reason_ = "cannot register events";
    return false;
  }
  if (idle_timeout_s_ > 0) {
    idle_timer_.reset(evtimer_new(base, &on_idle_timer, this));
    if (!idle_timer_ || evtimer_add(idle_timer_.get(), worker_.timeout(idle_timeout_s_)) != 0) {
      close_reason_ = "cannot register the idle timer";
      return false;
    }
  }
  // The first readiness arrives as an event: epoll reports the current state when an
  // edge-triggered descriptor is added.
  return true;
}

void Relay::on_client_event(evutil_socket_t, short what, void* arg) {
  static_cast<Relay*>(arg)->on_event(kClient, what);
}

void Relay::on_server_event(evutil_socket_t, short what, void* arg) {
  static_cast<Relay*>(arg)->on_event(kServer, what);
}

void Relay::on_event(Side side, short what) {
  if (what & EV_READ) readable_[side] = true;
  if (what & EV_WRITE) writable_[side] = true;
  // A socket that already sent EOF is not read again, so a later reset would go unnoticed
  // while the other direction idles: ask for it.
  const Channel& incoming = side == kClient ? upstream_ : downstream_;
  if ((what & EV_READ) && incoming.source_ended()) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(sockets_[side].get(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
        error != 0) {
      fail(error);
      return;
    }
  }
  pump();
}

void Relay::pump() {
  Pools& pools = worker_.pools();
  Channel::PumpResult up = upstream_.pump(
      {sockets_[kClient].get(), sockets_[kServer].get(), readable_[kClient], writable_[kServer]},
      pools);
  Channel::PumpResult down = downstream_.pump(
      {sockets_[kServer].get(), sockets_[kClient].get(), readable_[kServer], writable_[kClient]},
      pools);
  if (int error = upstream_.error() ? upstream_.error() : downstream_.error(); error != 0) {
    fail(error);
    return;
  }
  if (upstream_.finished() && downstream_.finished()) {
    finish("");
    return;
  }
  if (up.moved || down.moved) last_activity_ms_ = coarse_ms();
  // Work left after the budget: continue on the next loop pass (edge-triggered events would
  // not fire again for data that is already there).
  if (up.more || down.more) event_active(events_[kClient].get(), EV_TIMEOUT, 1);
}

void Relay::on_idle_timer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Relay*>(arg);
  const int64_t limit_ms = int64_t{self->idle_timeout_s_} * 1000;
  const int64_t idle_ms = coarse_ms() - self->last_activity_ms_;
  if (idle_ms >= limit_ms) {
    self->finish("idle timeout");
    return;
  }
  const int64_t rest_ms = limit_ms - idle_ms;
  timeval rest{static_cast<time_t>(rest_ms / 1000),
               static_cast<suseconds_t>(rest_ms % 1000 * 1000)};
  evtimer_add(self->idle_timer_.get(), &rest);
}

void Relay::fail(int error) {
  // A reset on one side is passed on as a reset to the other, not as an orderly close.
  if (error == ECONNRESET || error == EPIPE) {
    linger abort{1, 0};
    for (auto& socket : sockets_)
      setsockopt(socket.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  finish(strerror(error));
}

void Relay::finish(const char* reason) {
  close_reason_ = reason;
  worker_.end_relay(self_);  // destroys *this
}

}  // namespace sockd
