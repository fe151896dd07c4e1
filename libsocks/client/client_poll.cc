// SOCKS-aware poll and select (see client_poll.h).
#include "socks4/client_poll.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <vector>

#include "socks4/client_registry.h"
#include "socks4/client_sys.h"
#include "socks4/errno_result.h"

namespace socks4::client {
namespace {

using Clock = std::chrono::steady_clock;

int pending_deadline_ms(int fd) {
  int ms = INT_MAX;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.progress() == Progress::kPending) ms = s.negotiation->remaining_ms();
  });
  return ms;
}

}  // namespace

int poll_sockets(pollfd* fds, nfds_t count, int timeout_ms) {
  const bool forever = timeout_ms < 0;
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(forever ? 0 : timeout_ms);
  std::vector<pollfd> work(fds, fds + count);
  std::vector<Readiness> states(count);
  while (true) {
    bool any_ready = false;
    int wait_ms =
        forever
            ? -1
            : static_cast<int>(std::max<int64_t>(
                  0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                         .count()));
    for (nfds_t i = 0; i < count; ++i) {
      work[i] = fds[i];
      work[i].revents = 0;
      states[i] = fds[i].fd >= 0 ? readiness(fds[i].fd) : Readiness{};
      if (!states[i].tracked) continue;
      if (states[i].ready != 0) {
        any_ready = true;
        work[i].fd = -1;  // answered without polling
      } else {
        work[i].events = states[i].wait_for;
        int negotiation_ms = pending_deadline_ms(fds[i].fd);  // wake to time it out
        if (wait_ms < 0 || negotiation_ms < wait_ms) wait_ms = negotiation_ms;
      }
    }
    if (any_ready) wait_ms = 0;
    int rc = sys().poll(work.data(), count, wait_ms);
    if (rc < 0) return -1;
    int reported = 0;
    bool negotiation_moved = false;
    for (nfds_t i = 0; i < count; ++i) {
      short revents = 0;
      if (!states[i].tracked) {
        revents = work[i].revents;
      } else if (states[i].ready != 0) {
        revents = states[i].ready & (fds[i].events | POLLERR | POLLHUP);
      } else if (work[i].revents != 0) {
        negotiation_moved = true;  // drive it in the next round
      }
      fds[i].revents = revents;
      if (revents != 0) ++reported;
    }
    if (reported > 0) return reported;
    if (!forever && Clock::now() >= deadline && !negotiation_moved) return 0;
  }
}

int select_sockets(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                   timeval* timeout) {
  if (nfds < 0 || nfds > FD_SETSIZE) {
    return fail_with(EINVAL);
  }
  std::vector<pollfd> polled;
  for (int fd = 0; fd < nfds; ++fd) {
    short events = 0;
    if (readfds && FD_ISSET(fd, readfds)) events |= POLLIN;
    if (writefds && FD_ISSET(fd, writefds)) events |= POLLOUT;
    if (exceptfds && FD_ISSET(fd, exceptfds)) events |= POLLPRI;
    if (events != 0) polled.push_back({fd, events, 0});
  }
  int timeout_ms = -1;
  if (timeout != nullptr) {
    if (timeout->tv_sec < 0 || timeout->tv_usec < 0) {
      return fail_with(EINVAL);
    }
    int64_t ms = static_cast<int64_t>(timeout->tv_sec) * 1000 + (timeout->tv_usec + 999) / 1000;
    timeout_ms = static_cast<int>(std::min<int64_t>(ms, INT_MAX));
  }
  Clock::time_point start = Clock::now();
  int rc = poll_sockets(polled.data(), polled.size(), timeout_ms);
  if (timeout != nullptr) {  // Linux select reports the time left
    auto used = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
    int64_t left = std::max<int64_t>(
        0, static_cast<int64_t>(timeout->tv_sec) * 1'000'000 + timeout->tv_usec - used.count());
    timeout->tv_sec = static_cast<time_t>(left / 1'000'000);
    timeout->tv_usec = static_cast<suseconds_t>(left % 1'000'000);
  }
  if (rc < 0) return -1;
  for (const pollfd& p : polled) {
    if (p.revents & POLLNVAL) {
      return fail_with(EBADF);
    }
  }
  if (readfds) FD_ZERO(readfds);
  if (writefds) FD_ZERO(writefds);
  if (exceptfds) FD_ZERO(exceptfds);
  int bits = 0;
  for (const pollfd& p : polled) {
    if ((p.events & POLLIN) && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      FD_SET(p.fd, readfds);
      ++bits;
    }
    if ((p.events & POLLOUT) && (p.revents & (POLLOUT | POLLHUP | POLLERR))) {
      FD_SET(p.fd, writefds);
      ++bits;
    }
    if ((p.events & POLLPRI) && (p.revents & POLLPRI)) {
      FD_SET(p.fd, exceptfds);
      ++bits;
    }
  }
  return bits;
}

}  // namespace socks4::client
