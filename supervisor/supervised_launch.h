// socksify's seccomp method: runs a program under the supervisor. The child sets no_new_privs,
// installs the notifying filter (seccomp_filter.h) and tells the parent the listener's
// descriptor number through a pipe; the parent takes the listener with pidfd_getfd (the child
// cannot pass it with sendmsg, which its own filter already notifies), the child closes its
// copy and execs. The parent then answers the program's notifications (notification_loop.h)
// until no supervised process is left, and returns the program's exit status.
#pragma once

namespace socks4::supervisor {

inline constexpr int kCannotRun = 126;

// Runs argv[0] (searched in PATH like execvp) under the supervisor; the environment is already
// the program's (SOCKS_SERVER, SOCKS_CONF, ...: the supervisor reads the same variables).
// Returns the exit status for socksify: the program's, 128+N if a signal N ended it, 126 if
// seccomp user notification is not available here (said on stderr) or the program cannot be
// run, 127 if it is not found.
int run_supervised(char** argv);

}  // namespace socks4::supervisor
