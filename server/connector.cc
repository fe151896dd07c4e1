#include "connector.h"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "monotonic_clock.h"

namespace sockd {

void Connector::start(std::vector<Endpoint> addresses, int64_t budget_ms, Done done,
                      bool caller_times_budget) {
  addresses_ = std::move(addresses);
  next_ = 0;
  deadline_ms_ = monotonic_ms() + budget_ms;
  last_error_ = EHOSTUNREACH;  // if there is no address at all
  done_ = std::move(done);
  if (caller_times_budget && addresses_.size() <= 1) {
    // One attempt, its share the whole budget: the caller's timer ends it. A timer less per
    // connection (an allocation, a heap insertion and removal).
    auto starting = deferred_.starting();
    try_next();
    return;
  }
  timer_.reset(evtimer_new(base_, &Connector::on_timer, this));
  if (!timer_) {
    // Without a timer nothing can be reported later; report through the caller's own time
    // limit instead (the session's timer) by doing nothing. Unreachable in practice.
    return;
  }
  auto starting = deferred_.starting();
  try_next();
}

void Connector::try_next() {
  while (next_ < addresses_.size()) {
    const Endpoint& peer = addresses_[next_];
    size_t left = addresses_.size() - next_;
    int64_t remaining = deadline_ms_ - monotonic_ms();
    if (remaining <= 0) {
      last_error_ = ETIMEDOUT;
      break;
    }
    ++next_;
    socks4::UniqueFd fd(socket(peer.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) {
      last_error_ = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_storage address;
    socklen_t length = peer.to_sockaddr(address);
    bool connected = connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) == 0;
    if (!connected && errno != EINPROGRESS) {
      last_error_ = errno;
      continue;
    }
    socket_ = std::make_unique<WatchedSocket>(std::move(fd));
    if (!socket_->watch(base_, this)) {
      last_error_ = ENOMEM;
      socket_.reset();
      continue;
    }
    if (connected) {
      report(0);
      return;
    }
    if (!timer_) return;  // the last attempt, timed by the caller
    int64_t share = remaining / static_cast<int64_t>(left);
    timeval timeout{static_cast<time_t>(share / 1000),
                    static_cast<suseconds_t>(share % 1000 * 1000)};
    evtimer_add(timer_.get(), &timeout);
    return;
  }
  report(last_error_);
}

void Connector::on_socket_event(WatchedSocket& socket, short what) {
  if (!(what & (EV_READ | EV_WRITE))) return;
  // Writable and not readable: connected. An error (refused, unreachable) shows as readable
  // and writable at once, and so does a server that spoke first: only then ask the socket.
  if (what & EV_READ) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) {
      attempt_failed(error);
      return;
    }
  }
  report(0);
}

void Connector::on_timer(evutil_socket_t, short, void* arg) {
  static_cast<Connector*>(arg)->attempt_failed(ETIMEDOUT);
}

void Connector::on_deferred(void* self) {
  auto* connector = static_cast<Connector*>(self);
  connector->report(connector->last_error_);
}

void Connector::attempt_failed(int error) {
  last_error_ = error;
  socket_.reset();
  if (timer_) evtimer_del(timer_.get());
  try_next();
}

void Connector::report(int error) {
  if (timer_) evtimer_del(timer_.get());
  if (deferred_.inside_start()) {
    last_error_ = error;
    if (error != 0) socket_.reset();
    deferred_.schedule(base_, &Connector::on_deferred, this);
    return;
  }
  deferred_.cancel();  // a connected socket's event may come before the deferred report
  Endpoint peer = next_ > 0 ? addresses_[next_ - 1] : Endpoint{};
  if (socket_) socket_->set_handler(nullptr);
  Done done = std::move(done_);
  done(error, error == 0 ? std::move(socket_) : WatchedSocketPtr{}, peer);
}

}  // namespace sockd
