// Starting a program under the supervisor (see supervised_launch.h).
#include "supervised_launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pidfd_calls.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "dns_responder.h"
#include "notification_loop.h"
#include "preload_settings.h"
#include "seccomp_filter.h"
#include "socks4/name_policy.h"

namespace socks4::supervisor {
namespace {

// Child -> parent, one record at a time.
struct Report {
  char kind = 0;  // 'L' listener number in value; 'E' filter failed, errno in value;
                  // 'X' exec failed, errno in value
  int value = 0;
};

[[noreturn]] void child_side(char** argv, int report_fd, int go_fd) {
  Report report{'L', install_notifying_filter()};
  if (report.value < 0) report = Report{'E', errno};
  [[maybe_unused]] ssize_t n = write(report_fd, &report, sizeof report);
  if (report.kind == 'E') _exit(kCannotRun);
  char go = 0;
  // EOF without a byte: the parent could not take the listener; nothing is run.
  if (read(go_fd, &go, 1) != 1) _exit(kCannotRun);
  close(report.value);  // only the supervisor may answer
  close(go_fd);
  execvp(argv[0], argv);
  report = Report{'X', errno};
  n = write(report_fd, &report, sizeof report);
  _exit(errno == ENOENT ? 127 : kCannotRun);
}

std::optional<Report> read_report(int fd) {
  Report report;
  ssize_t n;
  do {
    n = read(fd, &report, sizeof report);
  } while (n < 0 && errno == EINTR);
  if (n != sizeof report) return std::nullopt;
  return report;
}

int exit_status_of(int status) {
  if (status < 0) return kCannotRun;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kCannotRun;
}

int reap(pid_t child) {
  int status = -1;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

pid_t g_child = -1;

// Termination requests go to the program; socksify stays to answer it until it has gone.
void forward_signal(int signal) {
  if (g_child > 0) kill(g_child, signal);
}

}  // namespace

int run_supervised(char** argv) {
  int report_pipe[2];
  int go_pipe[2];
  if (pipe2(report_pipe, O_CLOEXEC) != 0 || pipe2(go_pipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "socksify: pipe: %s\n", std::strerror(errno));
    return kCannotRun;
  }
  pid_t child = fork();
  if (child < 0) {
    std::fprintf(stderr, "socksify: fork: %s\n", std::strerror(errno));
    return kCannotRun;
  }
  if (child == 0) {
    close(report_pipe[0]);
    close(go_pipe[1]);
    child_side(argv, report_pipe[1], go_pipe[0]);
  }
  UniqueFd reports(report_pipe[0]);
  UniqueFd go(go_pipe[1]);
  close(report_pipe[1]);
  close(go_pipe[0]);

  std::optional<Report> first = read_report(reports.get());
  if (!first || first->kind != 'L') {
    int error = first ? first->value : EPROTO;
    std::fprintf(stderr,
                 "socksify: %s: seccomp user notification is not available here (%s), so its "
                 "connections cannot be supervised; not running it (-m preload --allow-direct "
                 "runs it direct)\n",
                 argv[0], std::strerror(error));
    reap(child);
    return kCannotRun;
  }
  UniqueFd child_pidfd(open_pidfd(child, 0));
  UniqueFd listener(child_pidfd ? take_pidfd_fd(child_pidfd.get(), first->value) : -1);
  if (!listener) {
    std::fprintf(stderr,
                 "socksify: %s: cannot take the seccomp listener from the child (%s); not "
                 "running it\n",
                 argv[0], std::strerror(errno));
    go.reset();  // the child exits without running anything
    reap(child);
    return kCannotRun;
  }
  char byte = 1;
  if (write(go.get(), &byte, 1) != 1) {
    reap(child);
    return kCannotRun;
  }
  go.reset();
  std::optional<Report> exec_failure = read_report(reports.get());  // EOF: exec succeeded
  if (exec_failure) {
    std::fprintf(stderr, "socksify: %s: %s\n", argv[0], std::strerror(exec_failure->value));
    reap(child);
    return exec_failure->value == ENOENT ? 127 : kCannotRun;
  }

  // The terminal's signals reach the program by themselves; socksify must outlive it.
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  g_child = child;
  struct sigaction forward {};
  forward.sa_handler = forward_signal;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  for (int s : {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaction(s, &forward, nullptr);

  ResolveMode mode = preload::settings().resolve;  // the preload's own setting
  std::optional<DnsResponder> dns;
  SupervisorState state;
  if (mode != ResolveMode::kLocal) {
    dns.emplace(mode);
    if (dns->ok()) state.dns = &*dns;
  }
  int status;
  {
    NotificationLoop loop(listener.get(), state);
    status = loop.run(child);
  }
  return exit_status_of(status);
}

}  // namespace socks4::supervisor
