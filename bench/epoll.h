// Minimal owning wrapper around an epoll instance (level-triggered, one u64 tag per fd).
#pragma once

#include <sys/epoll.h>

#include <cstdint>

#include "socks4/unique_fd.h"

namespace socksbench {

class Epoll {
 public:
  Epoll() : fd_(epoll_create1(EPOLL_CLOEXEC)) {}
  bool ok() const { return static_cast<bool>(fd_); }

  bool add(int fd, uint32_t events, uint64_t tag) { return ctl(EPOLL_CTL_ADD, fd, events, tag); }
  bool modify(int fd, uint32_t events, uint64_t tag) { return ctl(EPOLL_CTL_MOD, fd, events, tag); }
  void remove(int fd) { epoll_ctl(fd_.get(), EPOLL_CTL_DEL, fd, nullptr); }

  // Returns the number of ready events (0 on timeout or EINTR).
  int wait(epoll_event* events, int max_events, int timeout_ms) {
    int n = epoll_wait(fd_.get(), events, max_events, timeout_ms);
    return n < 0 ? 0 : n;
  }

 private:
  bool ctl(int op, int fd, uint32_t events, uint64_t tag) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag;
    return epoll_ctl(fd_.get(), op, fd, &event) == 0;
  }

  socks4::UniqueFd fd_;
};

// Milliseconds left until `deadline` (monotonic seconds), clamped to [0, cap_ms].
inline int millis_until(double deadline, double now, int cap_ms = 100) {
  double left = (deadline - now) * 1000.0;
  if (left <= 0) return 0;
  return left > cap_ms ? cap_ms : static_cast<int>(left) + 1;
}

}  // namespace socksbench
