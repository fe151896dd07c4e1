// Process-level chores of a daemon: detaching from the terminal while the command that started
// it waits for the outcome, the pid file, and dropping root privileges once the listening
// sockets are bound.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "socks4/unique_fd.h"

namespace sockd {

// The daemon's end of a pipe to the command that started it. That command waits (bounded) for
// one report and exits with it: 0 once the daemon is ready, or the daemon's exit status with its
// message on stderr. Inactive (reports go nowhere) in the foreground.
class StartupReport {
 public:
  StartupReport() = default;
  explicit StartupReport(socks4::UniqueFd fd) : fd_(std::move(fd)) {}

  bool active() const { return static_cast<bool>(fd_); }
  void ready() { send(0, {}); }
  void failed(int status, const std::string& message) { send(status, message); }

 private:
  void send(int status, const std::string& message);  // once; later reports are dropped
  socks4::UniqueFd fd_;
};

// How long the starting command waits for the daemon's report.
inline constexpr int kStartupReportSeconds = 60;

// `path` made absolute against the current directory (a daemon moves to /, and must find its
// config again at every reload); nullopt if the current directory cannot be known.
std::optional<std::string> absolute_path(const std::string& path);

// Forks into the background, starts a new session, moves to /, and points stdin/stdout (and
// stderr unless `keep_stderr`) at /dev/null. The command that called it never returns from
// here: it exits with what the daemon sends through `report`. False with `error` on failure.
bool daemonize(bool keep_stderr, StartupReport* report, std::string* error);

// The pid file, written as root before privileges are dropped. It keeps the descriptors of its
// directory and of the file, so that `user` can remove it at a clean stop with write permission
// on that directory alone (no search permission on the path above it). Where even that is
// missing, it empties the file instead, so no stale pid is left to be signalled.
class PidFile {
 public:
  bool write(const std::string& path, std::string* error);
  // Removes the file if one was written. False (the file emptied) with the reason otherwise.
  bool remove(std::string* error);

 private:
  std::string path_;
  std::string name_;  // the last component, relative to dir_
  socks4::UniqueFd dir_;
  socks4::UniqueFd file_;
};

struct UserIds {
  uid_t uid;
  gid_t gid;
};
// The password entry of `user`, or nullopt if there is none.
std::optional<UserIds> find_user(const std::string& user);

// Whether `user` may read the file at `path` (an absolute path): search permission on every
// directory above it and read permission on it, judged from the mode bits (ACLs are not seen).
bool user_may_read(const std::string& path, const std::string& user);

// setgroups/setgid/setuid to `user`. A no-op if already running as that user.
bool drop_privileges(const std::string& user, std::string* error);

}  // namespace sockd
