// Interposers for close and dup/dup2/dup3: the registry's entry follows the descriptor.
#include <unistd.h>

#include <cerrno>

#include "preload_epoll.h"
#include "preload_guard.h"
#include "preload_real.h"
#include "socks4/client_registry.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

namespace {

// The descriptor is about to stop naming its socket.
void drop_state(int fd) {
  sc::forget(fd);
  sp::forget_watches_in(fd);
}

}  // namespace

extern "C" {

int close(int fd) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (guard.outermost()) {
    int saved = errno;
    sp::shielded([&] {
      drop_state(fd);
      return 0;
    });
    errno = saved;
  }
  return real.close(fd);
}

int dup(int fd) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  int copy = real.dup(fd);
  if (copy >= 0 && guard.outermost() && sc::any_tracked()) {
    sp::shielded([&] {
      sc::copy_tracked(fd, copy);
      return 0;
    });
  }
  return copy;
}

int dup3(int fd, int target, int flags) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || fd == target) return real.dup3(fd, target, flags);
  return sp::shielded([&] {
    drop_state(target);
    int rc = sp::real().dup3(fd, target, flags);
    if (rc >= 0) sc::copy_tracked(fd, target);
    return rc;
  });
}

int dup2(int fd, int target) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || fd == target) return real.dup2(fd, target);
  return sp::shielded([&] {
    drop_state(target);
    int rc = sp::real().dup2(fd, target);
    if (rc >= 0) sc::copy_tracked(fd, target);
    return rc;
  });
}

}  // extern "C"
