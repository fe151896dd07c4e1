// Child processes for tests: started with fork/exec, stopped by their own pid only, and
// always reaped within a bounded wait. A child also dies if the test binary dies
// (PR_SET_PDEATHSIG), so a crashed test leaves nothing running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace socks4::test {

using std::chrono::milliseconds;

struct LaunchOptions {
  std::vector<std::string> argv;           // argv[0]: a path, or a name found in PATH
  std::map<std::string, std::string> env;  // added to (or replacing) the inherited environ
  std::string stdout_path = "/dev/null";   // files the child's output goes to
  std::string stderr_path = "/dev/null";
};

class ChildProcess {
 public:
  ChildProcess() = default;
  // Starts the child; pid() is -1 if fork or exec failed (exec failure exits the child 127).
  explicit ChildProcess(const LaunchOptions& options);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Stops a child still running: SIGTERM, then SIGKILL if it has not exited in 3 s.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  bool running();  // reaps the child if it has exited
  bool signal(int sig);
  // Waits up to `timeout` for exit; returns the raw wait status, or nullopt if still running.
  std::optional<int> wait(milliseconds timeout);
  // SIGTERM, bounded wait, then SIGKILL; returns the wait status.
  int stop(milliseconds grace = milliseconds(3000));

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs a command to completion, capturing stdout and stderr (each bounded to 64 MiB). Killed
// with SIGKILL if it has not finished within `timeout`.
CommandResult run_command(const std::vector<std::string>& argv, milliseconds timeout,
                          const std::map<std::string, std::string>& env = {});

// The inherited environment, without proxy variables (a test must never go through a proxy it
// did not start), plus `extra`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra);

}  // namespace socks4::test
