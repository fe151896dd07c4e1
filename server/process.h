// Process-level chores of a daemon: detaching from the terminal, the pid file, and dropping
// root privileges once the listening sockets are bound.
#pragma once

#include <string>

namespace sockd {

// Forks into the background (the parent exits 0), starts a new session, moves to /, and points
// stdin/stdout (and stderr unless `keep_stderr`) at /dev/null. False with `error` on failure.
bool daemonize(bool keep_stderr, std::string* error);

bool write_pid_file(const std::string& path, std::string* error);

// setgroups/setgid/setuid to `user`. A no-op if already running as that user.
bool drop_privileges(const std::string& user, std::string* error);

}  // namespace sockd
