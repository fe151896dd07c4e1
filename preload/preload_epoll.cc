// Interposers for epoll_ctl, epoll_wait and epoll_pwait (see preload_epoll.h).
#include "preload_epoll.h"

#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <vector>

#include "preload_guard.h"
#include "preload_real.h"
#include "socks4/client_registry.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

namespace socks4::preload {
namespace {

using Clock = std::chrono::steady_clock;

uint32_t to_epoll(short poll_events) {
  uint32_t out = 0;
  if (poll_events & POLLIN) out |= EPOLLIN;
  if (poll_events & POLLOUT) out |= EPOLLOUT;
  if (poll_events & POLLERR) out |= EPOLLERR;
  if (poll_events & POLLHUP) out |= EPOLLHUP;
  return out;
}

std::vector<sc::EpollWatch>::iterator watch_in(sc::TrackedSocket& socket, int epfd) {
  return std::find_if(socket.watches.begin(), socket.watches.end(),
                      [&](const sc::EpollWatch& w) { return w.epfd == epfd; });
}

int control(int epfd, int op, int fd, epoll_event* event) {
  bool hidden = false;
  int rc = 0;
  sc::with_tracked(fd, [&](sc::TrackedSocket& socket) {
    auto existing = watch_in(socket, epfd);
    sc::Readiness now;
    if (op != EPOLL_CTL_DEL && event != nullptr) now = sc::readiness_locked(fd, socket);
    if (!now.tracked || now.ready != 0 || now.wait_for == 0) {  // nothing (more) to hide
      if (existing != socket.watches.end()) socket.watches.erase(existing);
      return;
    }
    hidden = true;
    epoll_event ours{to_epoll(now.wait_for), event->data};
    rc = real().epoll_ctl(epfd, op, fd, &ours);
    if (rc != 0) return;
    sc::EpollWatch watch{epfd, event->events, event->data.u64, ours.events};
    if (existing != socket.watches.end()) {
      *existing = watch;
    } else {
      socket.watches.push_back(watch);
    }
  });
  return hidden ? rc : real().epoll_ctl(epfd, op, fd, event);
}

// After the kernel answered: hides events of pending sockets, drives every pending socket of
// this set, and reports those whose negotiation ended. Returns the new event count.
int filter(int epfd, epoll_event* events, int count, int capacity) {
  int kept = count;
  sc::for_each_tracked([&](int fd, sc::TrackedSocket& socket) {
    auto watch = watch_in(socket, epfd);
    if (watch == socket.watches.end()) return;
    const uint64_t data = watch->user_data;
    kept =
        static_cast<int>(std::remove_if(events, events + kept,
                                        [&](const epoll_event& e) { return e.data.u64 == data; }) -
                         events);
    sc::Readiness now = sc::readiness_locked(fd, socket);
    if (now.tracked && now.ready == 0 && now.wait_for != 0) {  // still negotiating
      uint32_t wanted = to_epoll(now.wait_for);
      if (wanted != watch->registered) {
        epoll_event ours{wanted, {}};
        ours.data.u64 = data;
        real().epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ours);
        watch->registered = wanted;
      }
      return;
    }
    // Over: the program's registration again, and the event a plain socket would give now.
    epoll_event theirs{watch->user_events, {}};
    theirs.data.u64 = data;
    real().epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &theirs);
    uint32_t ready = now.tracked ? to_epoll(now.ready) : static_cast<uint32_t>(EPOLLOUT);
    ready &= watch->user_events | EPOLLERR | EPOLLHUP;
    if (ready != 0 && kept < capacity) {
      events[kept] = epoll_event{ready, {}};
      events[kept++].data.u64 = data;
    }
    socket.watches.erase(watch);
  });
  return kept;
}

// The soonest negotiation deadline of the set's pending sockets, so a silent server still
// times out while the program waits.
int soonest_deadline(int epfd) {
  int soonest = INT_MAX;
  sc::for_each_tracked([&](int, sc::TrackedSocket& socket) {
    if (watch_in(socket, epfd) == socket.watches.end() || !socket.negotiation) return;
    soonest = std::min(soonest, socket.negotiation->remaining_ms());
  });
  return soonest;
}

template <typename Wait>
int wait_filtered(int epfd, epoll_event* events, int capacity, int timeout, Wait&& wait) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout);
  while (true) {
    int wait_ms = timeout;
    if (timeout > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    int soonest = soonest_deadline(epfd);
    if (soonest != INT_MAX && (wait_ms < 0 || soonest < wait_ms)) wait_ms = soonest;
    int rc = wait(wait_ms);
    if (rc < 0) return rc;
    int kept = filter(epfd, events, rc, capacity);
    if (kept > 0 || timeout == 0) return kept;
    if (timeout > 0 && Clock::now() >= deadline) return 0;
  }
}

bool steps_aside(const ReentryGuard& guard) {
  return !guard.outermost() || !sc::any_watched();
}

}  // namespace

void forget_watches_in(int epfd) {
  if (!sc::any_watched()) return;
  sc::for_each_tracked([&](int, sc::TrackedSocket& socket) {
    std::erase_if(socket.watches, [&](const sc::EpollWatch& w) { return w.epfd == epfd; });
  });
}

}  // namespace socks4::preload

extern "C" {

int epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || (!sc::any_pending() && sp::steps_aside(guard))) {
    return real.epoll_ctl(epfd, op, fd, event);
  }
  return sp::shielded([&] { return sp::control(epfd, op, fd, event); });
}

int epoll_wait(int epfd, epoll_event* events, int capacity, int timeout) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (sp::steps_aside(guard)) return real.epoll_wait(epfd, events, capacity, timeout);
  return sp::shielded([&] {
    return sp::wait_filtered(epfd, events, capacity, timeout, [&](int ms) {
      return sp::real().epoll_wait(epfd, events, capacity, ms);
    });
  });
}

int epoll_pwait(int epfd, epoll_event* events, int capacity, int timeout, const sigset_t* mask) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (sp::steps_aside(guard)) return real.epoll_pwait(epfd, events, capacity, timeout, mask);
  return sp::shielded([&] {
    return sp::wait_filtered(epfd, events, capacity, timeout, [&](int ms) {
      return sp::real().epoll_pwait(epfd, events, capacity, ms, mask);
    });
  });
}

}  // extern "C"
