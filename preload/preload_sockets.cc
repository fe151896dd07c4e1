// Interposers for the socket calls: connect, bind, listen, accept, accept4, getsockname,
// getpeername, getsockopt. Each steps aside (calls the real definition) when nested inside the
// layer, and mostly when the program has no socket the layer knows about.
#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "preload_connect.h"
#include "preload_guard.h"
#include "preload_real.h"
#include "preload_registry.h"
#include "socks4/client_ops.h"
#include "socks4/client_table.h"
#include "socks4/errno_result.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;
using socks4::fail_with;

namespace {

bool is_bound_through_server(int fd) {
  std::optional<sp::ProxiedSocket> s = sp::registered(fd);
  return s && s->role == sp::Role::kBound;
}

int bind_through_server(int fd, const sockaddr* address, socklen_t length) {
  int rc = sc::bind_socket(fd, address, length);
  if (rc == 0 && sc::is_tracked(fd)) sp::register_socket(fd, sp::Role::kBound, nullptr, 0, true);
  return rc;
}

// accept(2) of a SOCKS-bound socket: the relayed stream, with the application server as peer.
int accept_relayed(int fd, sockaddr* address, socklen_t* length, int flags) {
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  int stream = sc::accept_socket(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length);
  if (stream < 0) return -1;
  if ((flags & SOCK_CLOEXEC) != 0) fcntl(stream, F_SETFD, FD_CLOEXEC);
  if ((flags & SOCK_NONBLOCK) != 0) fcntl(stream, F_SETFL, fcntl(stream, F_GETFL) | O_NONBLOCK);
  if (address != nullptr && length != nullptr) {
    std::memcpy(address, &peer, std::min(*length, peer_length));
    *length = peer_length;
  }
  sp::register_socket(stream, sp::Role::kConnected, reinterpret_cast<sockaddr*>(&peer), peer_length,
                      false);
  sp::settle_finished();
  return stream;
}

int peer_name(int fd, sockaddr* address, socklen_t* length) {
  std::optional<sp::ProxiedSocket> s = sp::registered(fd);
  if (!s) return sp::real().getpeername(fd, address, length);
  if (s->role == sp::Role::kBound) return fail_with(ENOTCONN);
  bool pending = false;
  sc::with_tracked(fd, [&](sc::TrackedSocket& t) {
    pending = t.negotiation.progress() == sc::Progress::kPending;
  });
  if (pending) return fail_with(ENOTCONN);
  if (length == nullptr) return fail_with(EFAULT);
  if (address != nullptr) std::memcpy(address, &s->peer, std::min(*length, s->peer_length));
  *length = s->peer_length;
  return 0;
}

}  // namespace

extern "C" {

int connect(int fd, const sockaddr* address, socklen_t length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) return real.connect(fd, address, length);
  return sp::shielded([&] { return sp::preload_connect(fd, address, length); });
}

int bind(int fd, const sockaddr* address, socklen_t length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) return real.bind(fd, address, length);
  return sp::shielded([&] { return bind_through_server(fd, address, length); });
}

int listen(int fd, int backlog) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sp::any_registered()) return real.listen(fd, backlog);
  return sp::shielded([&] { return sc::listen_socket(fd, backlog); });
}

int accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sp::any_registered()) return real.accept4(fd, address, length, flags);
  return sp::shielded([&] {
    if (!is_bound_through_server(fd)) return sp::real().accept4(fd, address, length, flags);
    return accept_relayed(fd, address, length, flags);
  });
}

int accept(int fd, sockaddr* address, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sp::any_registered()) return real.accept(fd, address, length);
  return sp::shielded([&] {
    if (!is_bound_through_server(fd)) return sp::real().accept(fd, address, length);
    return accept_relayed(fd, address, length, 0);
  });
}

int getsockname(int fd, sockaddr* address, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sp::any_registered()) return real.getsockname(fd, address, length);
  return sp::shielded([&] { return sc::socket_name(fd, address, length); });
}

int getpeername(int fd, sockaddr* address, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sp::any_registered()) return real.getpeername(fd, address, length);
  return sp::shielded([&] { return peer_name(fd, address, length); });
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sp::any_registered() || level != SOL_SOCKET || name != SO_ERROR) {
    return real.getsockopt(fd, level, name, value, length);
  }
  return sp::shielded([&] {
    int rc = sc::socket_option(fd, level, name, value, length);
    sp::settle_finished();
    return rc;
  });
}

}  // extern "C"
