#include "bind_listener.h"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sockd {

Endpoint local_address_facing(uint32_t destination) {
  socks4::UniqueFd probe(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe) return {};
  // Any non-zero port: only the route matters.
  Endpoint target = Endpoint::ipv4(destination, 9);
  sockaddr_storage address;
  socklen_t length = target.to_sockaddr(address);
  if (connect(probe.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) return {};
  return local_endpoint(probe.get());
}

bool BindListener::open(uint32_t destination, std::string* error) {
  Endpoint local = local_address_facing(destination);
  if (local.family != AF_INET || local.ipv4_address().value_or(0) == 0) {
    *error = std::string("no local address faces the destination: ") + strerror(errno);
    return false;
  }
  local.port = 0;
  socket_.reset(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_storage address;
  socklen_t length = local.to_sockaddr(address);
  if (!socket_ || bind(socket_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(socket_.get(), 1) != 0) {
    *error = std::string("cannot listen on ") + local.address_text() + ": " + strerror(errno);
    socket_.reset();
    return false;
  }
  address_ = local_endpoint(socket_.get());
  return true;
}

bool BindListener::start(Accepted done) {
  done_ = std::move(done);
  event_.reset(event_new(base_, socket_.get(), EV_READ | EV_PERSIST, &on_readable, this));
  return event_ && event_add(event_.get(), nullptr) == 0;
}

void BindListener::on_readable(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<BindListener*>(arg);
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  socks4::UniqueFd inbound(accept4(self->socket_.get(), reinterpret_cast<sockaddr*>(&address),
                                   &length, SOCK_NONBLOCK | SOCK_CLOEXEC));
  int error = inbound ? 0 : errno;
  // A connection that was reset before we took it: keep waiting for the real one.
  if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == ECONNABORTED) return;
  // One connection per BIND: stop listening before reporting (the owner may destroy us then).
  self->event_.reset();
  self->socket_.reset();
  if (inbound) {
    int one = 1;
    setsockopt(inbound.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  Endpoint peer =
      inbound ? Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&address)) : Endpoint{};
  Accepted done = std::move(self->done_);
  done(error, std::move(inbound), peer);
}

}  // namespace sockd
