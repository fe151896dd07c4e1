// Interposers for poll, ppoll, select, pselect (and glibc's fortified __poll_chk/__ppoll_chk):
// while a SOCKS negotiation may be pending they go through the client library, which never
// reports such a socket ready too early; otherwise they are the real calls.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/select.h>

#include <climits>

#include "preload_guard.h"
#include "preload_real.h"
#include "socks4/client_poll.h"
#include "socks4/client_registry.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

namespace {

bool steps_aside(const sp::ReentryGuard& guard) {
  return !guard.outermost() || !sc::any_pending();
}

int timeout_ms(const timespec* timeout) {
  if (timeout == nullptr) return -1;
  long long ms =
      static_cast<long long>(timeout->tv_sec) * 1000 + (timeout->tv_nsec + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// Runs `wait` with `mask` as the thread's signal mask (not atomically, unlike the real
// ppoll/pselect: a signal arriving between the two steps waits for the next wake-up).
template <typename Wait>
int with_signal_mask(const sigset_t* mask, Wait&& wait) {
  sigset_t saved;
  if (mask != nullptr) pthread_sigmask(SIG_SETMASK, mask, &saved);
  int rc = wait();
  int error = errno;
  if (mask != nullptr) pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  errno = error;
  return rc;
}

int poll_negotiating(pollfd* fds, nfds_t count, int timeout) {
  return sp::shielded([&] { return sc::poll_sockets(fds, count, timeout); });
}

}  // namespace

extern "C" {

int poll(pollfd* fds, nfds_t count, int timeout) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (steps_aside(guard)) return real.poll(fds, count, timeout);
  return poll_negotiating(fds, count, timeout);
}

int __poll_chk(pollfd* fds, nfds_t count, int timeout, size_t fds_length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (steps_aside(guard) || fds_length / sizeof(pollfd) < count) {
    return real.poll_chk(fds, count, timeout, fds_length);  // it also reports the overflow
  }
  return poll_negotiating(fds, count, timeout);
}

int ppoll(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (steps_aside(guard)) return real.ppoll(fds, count, timeout, mask);
  return with_signal_mask(mask, [&] { return poll_negotiating(fds, count, timeout_ms(timeout)); });
}

int __ppoll_chk(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask,
                size_t fds_length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (steps_aside(guard) || fds_length / sizeof(pollfd) < count) {
    return real.ppoll_chk(fds, count, timeout, mask, fds_length);
  }
  return with_signal_mask(mask, [&] { return poll_negotiating(fds, count, timeout_ms(timeout)); });
}

int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds, timeval* timeout) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (steps_aside(guard)) return real.select(nfds, readfds, writefds, exceptfds, timeout);
  return sp::shielded(
      [&] { return sc::select_sockets(nfds, readfds, writefds, exceptfds, timeout); });
}

int pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds, const timespec* timeout,
            const sigset_t* mask) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (steps_aside(guard)) return real.pselect(nfds, readfds, writefds, exceptfds, timeout, mask);
  timeval converted{};
  if (timeout != nullptr) {
    converted.tv_sec = timeout->tv_sec;
    converted.tv_usec = static_cast<suseconds_t>((timeout->tv_nsec + 999) / 1000);
  }
  return with_signal_mask(mask, [&] {
    return sp::shielded([&] {
      return sc::select_sockets(nfds, readfds, writefds, exceptfds,
                                timeout != nullptr ? &converted : nullptr);
    });
  });
}

}  // extern "C"
