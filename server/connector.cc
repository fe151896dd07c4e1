#include "connector.h"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>

namespace sockd {

int64_t monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1000000;
}

void Connector::start(std::vector<Endpoint> addresses, int64_t budget_ms, Done done) {
  addresses_ = std::move(addresses);
  next_ = 0;
  deadline_ms_ = monotonic_ms() + budget_ms;
  last_error_ = EHOSTUNREACH;  // if there is no address at all
  done_ = std::move(done);
  inside_start_ = true;
  try_next();
  inside_start_ = false;
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
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), length) == 0) {
      socket_ = std::move(fd);
      report(0);
      return;
    }
    if (errno != EINPROGRESS) {
      last_error_ = errno;
      continue;
    }
    socket_ = std::move(fd);
    int64_t share = remaining / static_cast<int64_t>(left);
    timeval timeout{static_cast<time_t>(share / 1000),
                    static_cast<suseconds_t>(share % 1000 * 1000)};
    event_.reset(event_new(base_, socket_.get(), EV_WRITE, &Connector::on_event, this));
    if (!event_ || event_add(event_.get(), &timeout) != 0) {
      last_error_ = ENOMEM;
      socket_.reset();
      continue;
    }
    return;
  }
  report(last_error_);
}

void Connector::on_event(evutil_socket_t, short what, void* arg) {
  auto* self = static_cast<Connector*>(arg);
  if (!self->socket_) {  // a deferred report
    self->report(self->last_error_);
    return;
  }
  if (what & EV_TIMEOUT) {
    self->attempt_failed(ETIMEDOUT);
    return;
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(self->socket_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    self->attempt_failed(error);
    return;
  }
  self->report(0);
}

void Connector::attempt_failed(int error) {
  last_error_ = error;
  socket_.reset();
  event_.reset();
  try_next();
}

void Connector::report(int error) {
  if (inside_start_) {
    // Report on the next loop pass so the caller never sees its callback from inside start().
    // on_event then finds either the connected socket (SO_ERROR 0) or no socket.
    last_error_ = error;
    if (error != 0) socket_.reset();
    event_.reset(event_new(base_, -1, 0, &Connector::on_event, this));
    event_active(event_.get(), EV_WRITE, 1);
    return;
  }
  event_.reset();
  Endpoint peer = next_ > 0 ? addresses_[next_ - 1] : Endpoint{};
  Done done = std::move(done_);
  done(error, error == 0 ? std::move(socket_) : socks4::UniqueFd{}, peer);
}

}  // namespace sockd
