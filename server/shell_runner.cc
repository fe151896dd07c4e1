#include "shell_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log.h"
#include "monotonic_clock.h"
#include "socks4/shell_spawn.h"

namespace sockd {
namespace {

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "ended";
}

}  // namespace

bool ShellRunner::run(const std::string& command, const std::string& what, int time_limit_s) {
  std::lock_guard lock(mutex_);
  if (children_.size() >= kMaxRunning) {
    log::warning("shell command of %s not run: %zu commands are still running", what.c_str(),
                 children_.size());
    count(stats::ShellOutcome::kNotRun);
    return false;
  }
  pid_t pid = -1;
  const int error = socks4::ShellSpawn(command).spawn(&pid);
  if (error) {
    log::warning("shell command of %s not run: %s", what.c_str(), strerror(error));
    count(stats::ShellOutcome::kNotRun);
    return false;
  }
  // Registered under the lock, so tick() cannot miss a child that exits at once.
  children_.push_back(
      {pid, monotonic_ms() + int64_t{time_limit_s} * 1000, time_limit_s, what, false});
  log::debug("shell command of %s started (pid %d)", what.c_str(), static_cast<int>(pid));
  return true;
}

void ShellRunner::tick() {
  std::lock_guard lock(mutex_);
  const int64_t now = monotonic_ms();
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    pid_t done = waitpid(it->pid, &status, WNOHANG);
    if (done == it->pid || (done < 0 && errno == ECHILD)) {
      if (it->killed) {
        log::warning("shell command of %s killed after %d s (timeout shell)", it->what.c_str(),
                     it->time_limit_s);
        count(stats::ShellOutcome::kKilled);
      } else if (done == it->pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        log::warning("shell command of %s %s", it->what.c_str(), describe_status(status).c_str());
        count(stats::ShellOutcome::kFailed);
      } else {
        log::debug("shell command of %s finished", it->what.c_str());
        count(stats::ShellOutcome::kOk);
      }
      it = children_.erase(it);
      continue;
    }
    if (!it->killed && now >= it->deadline_ms) {
      kill(-it->pid, SIGKILL);  // the whole group: sh and whatever it started
      it->killed = true;
    }
    ++it;
  }
}

stats::ShellCounts ShellRunner::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void ShellRunner::kill_all() {
  std::lock_guard lock(mutex_);
  for (const Child& child : children_) {
    kill(-child.pid, SIGKILL);
    int status = 0;
    while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  children_.clear();
}

size_t ShellRunner::running() const {
  std::lock_guard lock(mutex_);
  return children_.size();
}

}  // namespace sockd
