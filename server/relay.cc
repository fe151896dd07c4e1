#include "relay.h"

#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>

#include "log.h"
#include "monotonic_clock.h"
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
      label_(std::move(params.label)),
      hop_(std::move(params.hop)),
      started_ms_(monotonic_ms()),
      last_activity_ms_(coarse_ms()),
      idle_timeout_s_(params.idle_timeout_s) {
  sockets_[kClient] = std::move(params.client);
  sockets_[kServer] = std::move(params.server);
  upstream_.preload(params.early_bytes, worker_.pools());
}

Relay::~Relay() {
  // Released before the close line, so that whoever reads it finds them released: a BIND that
  // follows is judged without this primary connection. The sockets close after the line.
  primary_ = PrimaryHold();
  slot_ = ClientSlot();
  worker_.stats().relay_closed(upstream_.bytes(), downstream_.bytes());
  const int64_t ms = monotonic_ms() - started_ms_;
  char client[Endpoint::kTextSize], server[Endpoint::kTextSize], hop[Endpoint::kTextSize];
  if (log::json()) {
    log::Event close;
    close.event = "close";
    close.client = client_address_.format(client);
    close.destination = hop_ ? std::string_view(hop_->destination) : server_address_.format(server);
    if (hop_) close.via = hop_->hop.format(hop);
    close.reason = close_reason_;
    close.bytes_sent = upstream_.bytes();
    close.bytes_received = downstream_.bytes();
    close.milliseconds = ms;
    log::event(close);
    return;
  }
  const char* destination = server_address_.format(server);
  std::string routed;  // "far.test:80 via 192.0.2.1:1080"
  if (hop_) {
    routed = log::sanitize(hop_->destination) + " via " + hop_->hop.format(hop);
    destination = routed.c_str();
  }
  log::info("%s close %s: sent %llu received %llu bytes in %lld.%03llds%s%s%s",
            client_address_.format(client), destination,
            static_cast<unsigned long long>(upstream_.bytes()),
            static_cast<unsigned long long>(downstream_.bytes()), static_cast<long long>(ms / 1000),
            static_cast<long long>(ms % 1000), *close_reason_ ? " (" : "", close_reason_,
            *close_reason_ ? ")" : "");
}

bool Relay::start(std::list<Relay>::iterator self) {
  self_ = self;
  event_base* base = worker_.base();
  if (idle_timeout_s_ > 0) {
    idle_timer_.reset(evtimer_new(base, &on_idle_timer, this));
    if (!idle_timer_ || evtimer_add(idle_timer_.get(), worker_.timeout(idle_timeout_s_)) != 0) {
      close_reason_ = "cannot register the idle timer";
      return false;
    }
  }
  sockets_[kClient]->set_handler(this);
  sockets_[kServer]->set_handler(this);
  // A first look on this loop pass if bytes may be waiting already (their edges went to the
  // session, which left `readable` set) or the client's early bytes are here to pass on.
  // Otherwise the next edge brings the relay in: readiness not yet reported is reported once,
  // and a socket registered just now gets its first edge anyway. (A client that waits for its
  // reply has nothing waiting: no extra loop pass per connection.)
  if (sockets_[kClient]->readable || sockets_[kServer]->readable || upstream_.has_pending())
    sockets_[kClient]->activate();
  return true;
}

void Relay::on_socket_event(WatchedSocket& socket, short what) {
  // A socket that already sent EOF is not read again, so a later reset would go unnoticed
  // while the other direction idles: ask for it.
  const Channel& incoming = &socket == sockets_[kClient].get() ? upstream_ : downstream_;
  if ((what & EV_READ) && incoming.source_ended()) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0) {
      fail(error);
      return;
    }
  }
  pump();
}

void Relay::pump() {
  Pools& pools = worker_.pools();
  Channel::PumpResult up =
      upstream_.pump({*sockets_[kClient], *sockets_[kServer], downstream_.finished()}, pools);
  Channel::PumpResult down =
      downstream_.pump({*sockets_[kServer], *sockets_[kClient], upstream_.finished()}, pools);
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
  if (up.more || down.more) sockets_[kClient]->activate();
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
      setsockopt(socket->fd(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  finish(strerror(error));
}

void Relay::finish(const char* reason) {
  close_reason_ = reason;
  worker_.end_relay(self_);  // destroys *this
}

}  // namespace sockd
