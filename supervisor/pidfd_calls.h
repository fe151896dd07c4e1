// pidfd_open(2) and pidfd_getfd(2) by system call: glibc 2.36's <sys/pidfd.h> declares them
// without C linkage, so C++ cannot link against its wrappers.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace socks4::supervisor {

inline int open_pidfd(pid_t pid, unsigned flags) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, flags));
}

inline int take_pidfd_fd(int pidfd, int target_fd) {
  return static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, target_fd, 0));
}

}  // namespace socks4::supervisor
