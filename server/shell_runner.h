// Runs the shell commands of sockd.conf (`: cmd`, #NO_IDENTD:, #BAD_ID:) without ever blocking
// an event loop: posix_spawn of /bin/sh -c, in its own process group, with stdin, stdout and
// stderr on /dev/null, every other descriptor closed, SIGPIPE back to default and a fixed PATH.
// At most kMaxRunning commands run at once (more are dropped with a log line); one still
// running after its time limit (`timeout shell`) is killed with its process group. Worker threads
// start commands; the main thread reaps them (on SIGCHLD and on a periodic tick).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "stats/report.h"

namespace sockd {

class ShellRunner {
 public:
  static constexpr size_t kMaxRunning = 16;

  ShellRunner() = default;
  ShellRunner(const ShellRunner&) = delete;
  ShellRunner& operator=(const ShellRunner&) = delete;

  // Any thread. Starts `command` (already expanded and sanitised); `what` names it in log lines
  // ("rule line 3", "#NO_IDENTD:"). False if it was not started (logged).
  bool run(const std::string& command, const std::string& what, int time_limit_s);

  // Main thread: reaps the commands that have exited, logging failures, and kills (with their
  // process groups) those past the time limit.
  void tick();
  // At shutdown: kills every command still running and reaps it.
  void kill_all();

  size_t running() const;
  // Commands by outcome, for sockd_shell_commands_total (any thread).
  stats::ShellCounts counts() const;

 private:
  struct Child {
    pid_t pid = -1;
    int64_t deadline_ms = 0;  // monotonic
    int time_limit_s = 0;
    std::string what;
    bool killed = false;
  };

  void count(stats::ShellOutcome outcome) { ++counts_[static_cast<size_t>(outcome)]; }  // locked

  mutable std::mutex mutex_;
  std::vector<Child> children_;
  stats::ShellCounts counts_{};
};

}  // namespace sockd
