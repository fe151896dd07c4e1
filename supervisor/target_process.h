// The program behind one seccomp notification, reached safely: its memory through
// process_vm_readv/writev, its descriptors through pidfd_getfd, and every step followed by a
// check that the notification is still live (SECCOMP_IOCTL_NOTIF_ID_VALID), so a thread that
// died, or a pid reused meanwhile, is never acted on.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "socks4/unique_fd.h"

namespace socks4::supervisor {

// One notification's system call, copied out of struct seccomp_notif.
struct Call {
  uint64_t id = 0;
  pid_t pid = 0;  // the calling thread, in socksify's pid namespace
  int nr = -1;
  uint64_t args[6] = {};
};

class TargetProcess {
 public:
  TargetProcess(int listener, const Call& call) : listener_(listener), call_(call) {}

  const Call& call() const { return call_; }
  // Whether the notification still waits for its answer.
  bool live() const;
  // A duplicate of the program's descriptor `program_fd` (same open file description), or an
  // empty one with *error set: EBADF when the program has no such descriptor.
  UniqueFd take_fd(int program_fd, int* error);
  // Reads/writes `length` bytes at the program's `address`; false when they are not all
  // accessible or the notification is gone.
  bool read(uint64_t address, void* out, size_t length) const;
  bool write(uint64_t address, const void* in, size_t length) const;
  // Puts the supervisor's descriptor `fd` into the program (SECCOMP_IOCTL_NOTIF_ADDFD): over
  // `program_fd`, as dup2 would, or at the lowest free number when it is -1; close-on-exec as
  // asked. With `as_answer` that number is the call's result and the notification is answered.
  // The program's number, or -1 with errno.
  int install_fd(int fd, int program_fd, bool close_on_exec, bool as_answer) const;
  // Whether the program's descriptor has FD_CLOEXEC (/proc/PID/fdinfo).
  bool close_on_exec(int program_fd) const;

 private:
  bool ensure_pidfd();

  int listener_;
  Call call_;
  UniqueFd pidfd_;
};

}  // namespace socks4::supervisor
