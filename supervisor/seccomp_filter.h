// The seccomp filter socksify's supervised child installs before exec: the socket calls that
// decide where a connection goes become user notifications the supervisor answers
// (supervisor/notification_loop.h); what would slip past them is refused outright.
#pragma once

namespace socks4::supervisor {

// Installs the filter on the calling thread's process (after PR_SET_NO_NEW_PRIVS) and returns
// the notification listener, or -1 with errno set (ENOSYS/EINVAL: the kernel has no seccomp
// user notification; EACCES/EPERM: a container forbids it). Inherited by every thread and child
// and kept across exec.
//
// Notified: connect, bind, listen, accept, accept4, getsockname, getpeername, sendto with a
// destination address, sendmsg, recvfrom asking for the source address. Refused: io_uring_setup
// (ENOSYS: its operations bypass seccomp), sendto/sendmsg/sendmmsg with MSG_FASTOPEN (EOPNOTSUPP: a
// connect in disguise), x32 system calls (ENOSYS), and a 32-bit process's socket calls (EACCES: not
// supervised).
int install_notifying_filter();

}  // namespace socks4::supervisor
