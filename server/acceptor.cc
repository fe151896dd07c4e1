#include "acceptor.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "log.h"
#include "socks4/proto.h"

namespace sockd {
namespace {

// One client per wakeup: the listening event is level-triggered, so another waiting client
// brings the loop straight back here, and stopping after one saves the accept4() that would
// only say EAGAIN (one system call per connection when clients come one at a time). Failed
// attempts (a client that reset before it was accepted) do not count.
constexpr int kFailedAcceptsPerWakeup = 16;
constexpr timeval kPauseWhenOutOfDescriptors{0, 200 * 1000};
// Reserve descriptors one refusal may use up when other threads take the numbers it frees.
constexpr int kReserveTriesPerRefusal = 3;

}  // namespace

void reject_at_once(int client) {
  uint8_t request[socks4::kMaxRequestSize];
  (void)recv(client, request, sizeof request, MSG_DONTWAIT);
  const auto reply = socks4::encode_reply({socks4::ReplyCode::kRejected, 0, 0});
  (void)send(client, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

Acceptor::Acceptor(event_base* base, std::vector<socks4::UniqueFd> sockets,
                   DescriptorReserve& reserve, OnClient on_client,
                   const std::vector<bool>& proxy_protocol)
    : base_(base), reserve_(reserve), on_client_(std::move(on_client)) {
  for (size_t i = 0; i < sockets.size(); ++i) {
    listeners_.push_back(
        {std::move(sockets[i]), nullptr, i < proxy_protocol.size() && proxy_protocol[i]});
  }
}

bool Acceptor::takes_proxy_protocol(int fd) const {
  for (const Listener& listener : listeners_) {
    if (listener.socket.get() == fd) return listener.proxy_protocol;
  }
  return false;
}

bool Acceptor::start() {
  for (Listener& listener : listeners_) {
    listener.event.reset(event_new(base_, listener.socket.get(), EV_READ | EV_PERSIST,
                                   &Acceptor::on_readable, this));
    if (!listener.event || event_add(listener.event.get(), nullptr) != 0) return false;
  }
  resume_timer_.reset(evtimer_new(base_, &Acceptor::on_resume, this));
  return resume_timer_ != nullptr;
}

void Acceptor::on_readable(evutil_socket_t fd, short, void* arg) {
  static_cast<Acceptor*>(arg)->accept_from(fd);
}

void Acceptor::accept_from(int fd) {
  for (int i = 0; i < kFailedAcceptsPerWakeup && !paused_; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int client =
        accept4(fd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) {
      switch (errno) {
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
          return;
        case EMFILE:
        case ENFILE: {
          // One client per wakeup here too: the next waiting one brings the loop back.
          const int error = errno;
          if (!refuse_one(fd)) pause(error);
          return;
        }
        case ENOBUFS:
        case ENOMEM:
          pause(errno);
          return;
        default:  // ECONNABORTED, EINTR, EPERM (firewall), protocol errors: the next one
          continue;
      }
    }
    reserve_.top_up();  // numbers are free again if any were taken from the reserve
    if (pauses_ > 0) {
      log::info("accepting again after %ld pause%s", pauses_, pauses_ == 1 ? "" : "s");
      pauses_ = 0;
    }
    // TCP_NODELAY comes from the listening socket (listen_sockets.cc).
    on_client_(socks4::UniqueFd(client),
               Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address)),
               takes_proxy_protocol(fd));
    return;
  }
}

bool Acceptor::refuse_one(int fd) {
  for (int tries = 0; tries < kReserveTriesPerRefusal; ++tries) {
    if (!reserve_.give_up_one()) return false;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    socks4::UniqueFd client(
        accept4(fd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
      // Another thread took the number first: try with the next reserve descriptor (giving
      // one up tops the reserve up first). Any other error: the client is gone (or the queue
      // empty), there is nothing to refuse, and the number goes back into the reserve.
      if (errno == EMFILE || errno == ENFILE) continue;
      reserve_.top_up();
      return true;
    }
    log::info("%s refused: out of descriptors -> rejected",
              Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address)).to_string().c_str());
    reject_at_once(client.get());
    reserve_.keep(std::move(client));
    return true;
  }
  return false;
}

void Acceptor::pause(int error) {
  if (pauses_++ == 0) {
    log::warning("cannot accept: %s; pausing accepts for %ld ms at a time until it passes",
                 strerror(error), static_cast<long>(kPauseWhenOutOfDescriptors.tv_usec / 1000));
  }
  paused_ = true;
  for (Listener& listener : listeners_) event_del(listener.event.get());
  evtimer_add(resume_timer_.get(), &kPauseWhenOutOfDescriptors);
}

void Acceptor::on_resume(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Acceptor*>(arg);
  self->paused_ = false;
  self->reserve_.top_up();
  for (Listener& listener : self->listeners_) event_add(listener.event.get(), nullptr);
}

}  // namespace sockd
