// Reaching a notifying program (see target_process.h).
#include "target_process.h"

#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "pidfd_calls.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

namespace socks4::supervisor {
namespace {

constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD, Linux 6.9: a pidfd for any thread

// Before Linux 6.9 a pidfd names a thread-group leader: the caller's process id.
pid_t thread_group_of(pid_t tid) {
  std::ifstream status("/proc/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Tgid:", 0) == 0) return static_cast<pid_t>(std::stol(line.substr(5)));
  }
  return -1;
}

}  // namespace

bool TargetProcess::live() const {
  uint64_t id = call_.id;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

bool TargetProcess::ensure_pidfd() {
  if (pidfd_) return true;
  int fd = open_pidfd(call_.pid, kPidfdThread);
  if (fd < 0 && errno == EINVAL) {
    pid_t leader = thread_group_of(call_.pid);
    if (leader > 0) fd = open_pidfd(leader, 0);
  }
  if (fd < 0) return false;
  pidfd_.reset(fd);
  // The pid may have been reused between the notification and pidfd_open: only a live
  // notification proves the pidfd names the caller.
  return live();
}

UniqueFd TargetProcess::take_fd(int program_fd, int* error) {
  if (!ensure_pidfd()) {
    *error = errno != 0 ? errno : ESRCH;
    return UniqueFd();
  }
  UniqueFd fd(take_pidfd_fd(pidfd_.get(), program_fd));
  if (!fd) *error = errno;
  return fd;
}

bool TargetProcess::read(uint64_t address, void* out, size_t length) const {
  if (length == 0) return live();
  iovec local{out, length};
  iovec remote{reinterpret_cast<void*>(address), length};
  ssize_t n = process_vm_readv(call_.pid, &local, 1, &remote, 1, 0);
  // Read first, then check: had the thread died and its pid been reused before the read, the
  // notification would no longer be live.
  return n == static_cast<ssize_t>(length) && live();
}

int TargetProcess::install_fd(int fd, int program_fd, bool close_on_exec, bool as_answer) const {
  seccomp_notif_addfd add{};
  add.id = call_.id;
  add.srcfd = static_cast<uint32_t>(fd);
  if (program_fd >= 0) {
    add.flags |= SECCOMP_ADDFD_FLAG_SETFD;
    add.newfd = static_cast<uint32_t>(program_fd);
  }
  if (as_answer) add.flags |= SECCOMP_ADDFD_FLAG_SEND;
  add.newfd_flags = close_on_exec ? O_CLOEXEC : 0;
  return ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
}

bool TargetProcess::close_on_exec(int program_fd) const {
  std::ifstream info("/proc/" + std::to_string(call_.pid) + "/fdinfo/" +
                     std::to_string(program_fd));
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("flags:", 0) == 0) {
      return (std::stoul(line.substr(6), nullptr, 8) & O_CLOEXEC) != 0;
    }
  }
  return false;
}

bool TargetProcess::write(uint64_t address, const void* in, size_t length) const {
  if (length == 0) return true;
  if (!live()) return false;
  iovec local{const_cast<void*>(in), length};
  iovec remote{reinterpret_cast<void*>(address), length};
  return process_vm_writev(call_.pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(length);
}

}  // namespace socks4::supervisor
