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
#include <mutex>
#include <vector>

#include "preload_guard.h"
#include "preload_real.h"
#include "preload_registry.h"
#include "socks4/client_table.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

namespace socks4::preload {
namespace {

using Clock = std::chrono::steady_clock;

// A pending socket in an epoll set: what the program registered, and what we registered.
struct Shadow {
  int epfd = -1;
  int fd = -1;
  uint32_t user_events = 0;
  epoll_data_t user_data{};
  uint32_t registered = 0;
};

struct Shadows {
  std::mutex mutex;
  std::vector<Shadow> list;
  std::atomic<size_t> count{0};
};

Shadows& shadows() {
  static Shadows instance;
  return instance;
}

uint32_t to_epoll(short poll_events) {
  uint32_t out = 0;
  if (poll_events & POLLIN) out |= EPOLLIN;
  if (poll_events & POLLOUT) out |= EPOLLOUT;
  if (poll_events & POLLERR) out |= EPOLLERR;
  if (poll_events & POLLHUP) out |= EPOLLHUP;
  return out;
}

bool same_data(const epoll_data_t& a, const epoll_data_t& b) {
  return a.u64 == b.u64;
}

std::vector<Shadow>::iterator find_locked(Shadows& s, int epfd, int fd) {
  return std::find_if(s.list.begin(), s.list.end(),
                      [&](const Shadow& x) { return x.epfd == epfd && x.fd == fd; });
}

void erase_locked(Shadows& s, std::vector<Shadow>::iterator at) {
  s.list.erase(at);
  s.count.store(s.list.size());
}

int control(int epfd, int op, int fd, epoll_event* event) {
  Shadows& s = shadows();
  std::lock_guard lock(s.mutex);
  auto existing = find_locked(s, epfd, fd);
  if (op == EPOLL_CTL_DEL || event == nullptr) {
    if (existing != s.list.end()) erase_locked(s, existing);
    return real().epoll_ctl(epfd, op, fd, event);
  }
  sc::Readiness now = sc::readiness(fd);
  if (!now.tracked || now.ready != 0 || now.wait_for == 0) {  // nothing (more) to hide
    if (existing != s.list.end()) erase_locked(s, existing);
    return real().epoll_ctl(epfd, op, fd, event);
  }
  epoll_event ours{to_epoll(now.wait_for), event->data};
  int rc = real().epoll_ctl(epfd, op, fd, &ours);
  if (rc != 0) return rc;
  Shadow shadow{epfd, fd, event->events, event->data, ours.events};
  if (existing != s.list.end()) {
    *existing = shadow;
  } else {
    s.list.push_back(shadow);
    s.count.store(s.list.size());
  }
  return 0;
}

// After the kernel answered: hides events of pending sockets, drives every pending socket of
// this set, and reports those whose negotiation ended. Returns the new event count.
int filter_locked(Shadows& s, int epfd, epoll_event* events, int count, int capacity) {
  int kept = 0;
  for (int i = 0; i < count; ++i) {
    bool hidden = std::any_of(s.list.begin(), s.list.end(), [&](const Shadow& x) {
      return x.epfd == epfd && same_data(x.user_data, events[i].data);
    });
    if (!hidden) events[kept++] = events[i];
  }
  for (auto it = s.list.begin(); it != s.list.end();) {
    if (it->epfd != epfd) {
      ++it;
      continue;
    }
    sc::Readiness now = sc::readiness(it->fd);
    if (now.tracked && now.ready == 0 && now.wait_for != 0) {  // still negotiating
      uint32_t wanted = to_epoll(now.wait_for);
      if (wanted != it->registered) {
        epoll_event ours{wanted, it->user_data};
        real().epoll_ctl(epfd, EPOLL_CTL_MOD, it->fd, &ours);
        it->registered = wanted;
      }
      ++it;
      continue;
    }
    // Over: the program's registration again, and the event a plain socket would give now.
    epoll_event theirs{it->user_events, it->user_data};
    real().epoll_ctl(epfd, EPOLL_CTL_MOD, it->fd, &theirs);
    uint32_t ready = now.tracked ? to_epoll(now.ready) : static_cast<uint32_t>(EPOLLOUT);
    ready &= it->user_events | EPOLLERR | EPOLLHUP;
    if (ready != 0 && kept < capacity) events[kept++] = epoll_event{ready, it->user_data};
    it = s.list.erase(it);
  }
  s.count.store(s.list.size());
  sp::settle_finished();
  return kept;
}

// The soonest negotiation deadline of the set's pending sockets, so a silent server still
// times out while the program waits.
int soonest_deadline_locked(Shadows& s, int epfd) {
  int soonest = INT_MAX;
  for (const Shadow& x : s.list) {
    if (x.epfd != epfd) continue;
    sc::with_tracked(x.fd, [&](sc::TrackedSocket& t) {
      soonest = std::min(soonest, t.negotiation.remaining_ms());
    });
  }
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
    {
      Shadows& s = shadows();
      std::lock_guard lock(s.mutex);
      int soonest = soonest_deadline_locked(s, epfd);
      if (soonest != INT_MAX && (wait_ms < 0 || soonest < wait_ms)) wait_ms = soonest;
    }
    int rc = wait(wait_ms);
    if (rc < 0) return rc;
    int kept;
    {
      Shadows& s = shadows();
      std::lock_guard lock(s.mutex);
      kept = filter_locked(s, epfd, events, rc, capacity);
    }
    if (kept > 0 || timeout == 0) return kept;
    if (timeout > 0 && Clock::now() >= deadline) return 0;
  }
}

bool steps_aside(const ReentryGuard& guard) {
  return !guard.outermost() || shadows().count.load(std::memory_order_relaxed) == 0;
}

}  // namespace

void forget_shadows_of(int fd) {
  Shadows& s = shadows();
  if (s.count.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(s.mutex);
  std::erase_if(s.list, [&](const Shadow& x) { return x.fd == fd || x.epfd == fd; });
  s.count.store(s.list.size());
}

void lock_shadows() {
  shadows().mutex.lock();
}

void unlock_shadows() {
  shadows().mutex.unlock();
}

}  // namespace socks4::preload

extern "C" {

int epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || (!sp::any_pending() && sp::steps_aside(guard))) {
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
