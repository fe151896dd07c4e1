// Receiving and answering seccomp notifications (see notification_loop.h).
#include "notification_loop.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pidfd_calls.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "socks4/client_log.h"

namespace socks4::supervisor {

NotificationLoop::~NotificationLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

bool NotificationLoop::receive() {
  // The kernel's structure may be larger than this program's view of it.
  std::vector<uint8_t> buffer(std::max(notification_size_, sizeof(seccomp_notif)));
  auto* notification = reinterpret_cast<seccomp_notif*>(buffer.data());
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, notification) != 0) {
    // ENOENT: the caller died (or was interrupted) before we took it.
    return errno == ENOENT || errno == EINTR;
  }
  Call call;
  call.id = notification->id;
  call.pid = static_cast<pid_t>(notification->pid);
  call.nr = notification->data.nr;
  std::copy(std::begin(notification->data.args), std::end(notification->data.args), call.args);
  submit(call);
  return true;
}

void NotificationLoop::submit(const Call& call) {
  std::lock_guard lock(mutex_);
  queue_.push_back(call);
  if (idle_ < queue_.size() && workers_.size() < kMaxWorkers) {
    workers_.emplace_back([this] { work(); });
  } else {
    ready_.notify_one();
  }
}

void NotificationLoop::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping
    Call call = queue_.front();
    queue_.pop_front();
    lock.unlock();
    TargetProcess target(listener_, call);
    CallAnswer answer = answer_call(target, state_);
    if (!answer.abandoned) send(call, answer);
    lock.lock();
  }
}

void NotificationLoop::send(const Call& call, const CallAnswer& answer) {
  seccomp_notif_resp response{};
  response.id = call.id;
  if (answer.proceed) {
    response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  } else if (answer.error != 0) {
    response.error = -answer.error;
  } else {
    response.val = answer.value;
  }
  // ENOENT: the caller is gone, or a signal interrupted it; it will ask again if it can.
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &response) != 0 && errno != ENOENT) {
    client::error_log("socksify: cannot answer system call %d of %d: %s", call.nr, call.pid,
                      std::strerror(errno));
  }
}

int NotificationLoop::run(pid_t child) {
  seccomp_notif_sizes sizes{};
  if (syscall(__NR_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0) {
    notification_size_ = sizes.seccomp_notif;
  }
  UniqueFd child_pidfd(open_pidfd(child, 0));
  int status = -1;
  bool child_running = true;
  while (true) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {child_pidfd.get(), POLLIN, 0}};
    nfds_t count = child_running && child_pidfd ? 2 : 1;
    if (poll(fds, count, child_pidfd ? -1 : 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & POLLIN) {
      if (!receive()) break;
      continue;  // notifications before hang-ups
    }
    if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) break;  // no supervised task left
    // The child exited: reap it, so that its hold on the filter goes; its descendants may
    // still be supervised.
    if ((count == 2 && (fds[1].revents & POLLIN)) || !child_pidfd) {
      pid_t reaped = waitpid(child, &status, child_pidfd ? 0 : WNOHANG);
      if (reaped == child) child_running = false;
    }
  }
  if (child_running && waitpid(child, &status, 0) != child) status = -1;
  return status;
}

}  // namespace socks4::supervisor
