// Interposers for the socket calls: connect, bind, listen, accept, accept4, getsockname,
// getpeername, getsockopt. Each hands the call to the client library, whose registry holds
// every socket's SOCKS state; each steps aside (calls the real definition) when nested inside
// the layer, and mostly when the registry is empty (one atomic load).
#include <sys/socket.h>

#include "preload_connect.h"
#include "preload_guard.h"
#include "preload_real.h"
#include "socks4/client_ops.h"
#include "socks4/client_registry.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

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
  return sp::shielded([&] { return sc::as_system_call(sc::bind_socket(fd, address, length)); });
}

int listen(int fd, int backlog) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::any_tracked()) return real.listen(fd, backlog);
  return sp::shielded([&] { return sc::as_system_call(sc::listen_socket(fd, backlog)); });
}

int accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::any_tracked()) return real.accept4(fd, address, length, flags);
  return sp::shielded(
      [&] { return sc::as_system_call(sc::accept_socket(fd, address, length, flags)); });
}

int accept(int fd, sockaddr* address, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::any_tracked()) return real.accept(fd, address, length);
  return sp::shielded(
      [&] { return sc::as_system_call(sc::accept_socket(fd, address, length, 0)); });
}

int getsockname(int fd, sockaddr* address, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::any_tracked()) return real.getsockname(fd, address, length);
  return sp::shielded([&] { return sc::socket_name(fd, address, length); });
}

int getpeername(int fd, sockaddr* address, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::any_tracked()) return real.getpeername(fd, address, length);
  return sp::shielded([&] { return sc::peer_name(fd, address, length); });
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::any_tracked() || level != SOL_SOCKET || name != SO_ERROR) {
    return real.getsockopt(fd, level, name, value, length);
  }
  return sp::shielded([&] { return sc::socket_option(fd, level, name, value, length); });
}

}  // extern "C"
