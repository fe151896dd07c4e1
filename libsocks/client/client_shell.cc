// socks.conf shell commands (see client_shell.h for what they may and may not do).
#include "socks4/client_shell.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "socks4/client_log.h"
#include "socks4/shell_spawn.h"

namespace socks4::client {
namespace {

// Supervisors started and not yet reaped: 0 free, -1 being claimed, else a pid. Lock-free, so no
// lock of ours is held across the program's fork(2); a child of the program finds pids that are
// not its own, which waitpid answers with ECHILD, freeing the slot.
std::array<std::atomic<pid_t>, kMaxRunningShellCommands> g_supervisors{};

// Reaps the supervisors that have ended and claims a free slot (set to -1); nullptr if all
// kMaxRunningShellCommands are busy.
std::atomic<pid_t>* claim_slot() {
  std::atomic<pid_t>* claimed = nullptr;
  for (std::atomic<pid_t>& slot : g_supervisors) {
    pid_t pid = slot.load(std::memory_order_acquire);
    if (pid > 0) {
      int status = 0;
      // __WCLONE: a child without an exit signal is invisible to waits without it.
      pid_t done = waitpid(pid, &status, WNOHANG | __WCLONE);
      if (done == pid || (done < 0 && errno == ECHILD)) {
        if (slot.compare_exchange_strong(pid, 0, std::memory_order_acq_rel)) pid = 0;
      }
    }
    if (pid == 0 && claimed == nullptr) {
      pid_t expected = 0;
      if (slot.compare_exchange_strong(expected, -1, std::memory_order_acq_rel)) claimed = &slot;
    }
  }
  return claimed;
}

// Waits for `pid` (the command) at most kShellTimeLimitSeconds, then kills its process group.
void wait_bounded(pid_t pid) {
  const int limit_ms = kShellTimeLimitSeconds * 1000;
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool ended = false;
  if (pidfd >= 0) {
    pollfd ready{pidfd, POLLIN, 0};
    ended = poll(&ready, 1, limit_ms) == 1;  // every signal is blocked: no EINTR
  } else {
    // Kernels before 5.3: look every 100 ms.
    for (int waited = 0; waited < limit_ms && !ended; waited += 100) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) != 0) return;
      const timespec tick{0, 100'000'000};
      nanosleep(&tick, nullptr);
    }
  }
  if (!ended) kill(-pid, SIGKILL);  // sh and whatever it started
  int status = 0;
  waitpid(pid, &status, 0);
}

// Closes every descriptor: the supervisor must not keep the program's sockets and pipes open
// (a reader of its output would wait for the supervisor).
void close_all_descriptors() {
  if (syscall(SYS_close_range, 0U, ~0U, 0U) == 0) return;
  rlimit limit{};  // kernels before 5.9
  const rlim_t most = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
  for (rlim_t fd = 0; fd < std::min<rlim_t>(most, 65536); ++fd) close(static_cast<int>(fd));
}

// The supervisor: a copy of the program with every signal blocked, none of its descriptors and
// only this to do. Its own process group, so the terminal's ^C to the program's group does not
// reach it.
[[noreturn]] void supervise(const ShellSpawn& command) {
  close_all_descriptors();
  struct sigaction defaults {};
  defaults.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &defaults, nullptr);  // the program's SIG_IGN would reap the command
  setpgid(0, 0);
  pid_t pid = -1;
  if (command.spawn(&pid) != 0) _exit(127);
  wait_bounded(pid);
  _exit(0);
}

// Starts the supervisor of `command`; its pid, or -1 with errno.
pid_t start_supervisor(const std::string& command) {
  // Prepared before the supervisor exists: it must not allocate.
  const ShellSpawn spawn(command);
  if (spawn.error()) {
    errno = spawn.error();
    return -1;
  }
  // No handler of the program may run in the supervisor before it blocks signals itself.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  // A fork without an exit signal: no SIGCHLD for the program, and its wait(2) never sees it.
  const pid_t pid = static_cast<pid_t>(syscall(SYS_clone, 0, nullptr, nullptr, nullptr, 0));
  if (pid == 0) supervise(spawn);
  const int error = errno;
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  errno = error;
  return pid;
}

std::string host_name() {
  char name[256] = "";
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace

ShellValues client_shell_values(Command command, const std::string& name,
                                std::optional<uint32_t> ip, uint16_t port,
                                const std::string& user) {
  ShellValues values;
  values.client_host = host_name();
  values.client_address = values.client_host;
  values.command = command == Command::kBind ? "bind" : "connect";
  values.pid = std::to_string(getpid());
  values.program = program_invocation_short_name;
  values.service = service_name(port);
  values.port = std::to_string(port);
  values.identd_user = user;
  values.user = user;
  std::string address = name;
  if (ip) {
    in_addr a{htonl(*ip)};
    char text[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &a, text, sizeof text);
    address = text;
  }
  values.destination_host = name.empty() ? address : name;
  values.destination = address;
  return values;
}

void run_rule_command(const RoutingRule& rule, const ShellValues& values) {
  if (rule.shell_command.empty()) return;
  const int saved_errno = errno;
  if (getauxval(AT_SECURE)) {
    debug_log("line %d: shell command not run in a setuid or setgid program", rule.line);
  } else if (std::optional<std::string> command =
                 expand_shell_template(rule.shell_command, values)) {
    if (std::atomic<pid_t>* slot = claim_slot()) {
      const pid_t pid = start_supervisor(*command);
      slot->store(pid > 0 ? pid : 0, std::memory_order_release);
      if (pid < 0) {
        error_log("line %d: shell command not run: %s", rule.line, std::strerror(errno));
      } else {
        debug_log("line %d: shell command started (supervisor %d)", rule.line,
                  static_cast<int>(pid));
      }
    } else {
      error_log("line %d: shell command not run: %zu are still running", rule.line,
                kMaxRunningShellCommands);
    }
  } else {
    error_log("line %d: shell command not run: longer than %zu bytes once expanded", rule.line,
              kMaxExpandedCommand);
  }
  errno = saved_errno;
}

}  // namespace socks4::client
