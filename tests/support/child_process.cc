#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "socks4/unique_fd.h"

extern char** environ;

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;

bool is_proxy_variable(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower.ends_with("_proxy");
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Everything the child does between fork and exec is async-signal-safe: the argument and
// environment arrays are built before fork.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int out_fd, int err_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  // Start with default signal handling and nothing blocked, whatever the test binary did.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(argv[0], argv, envp);
  _exit(127);
}

// PATH lookup happens here, before fork, so the child only calls execve.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return name;
}

pid_t spawn(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
            int out_fd, int err_fd) {
  if (argv.empty()) return -1;
  argv[0] = find_program(argv[0]);
  std::vector<std::string> envs = child_environment(env);
  std::vector<char*> argv_ptrs = pointers(argv);
  std::vector<char*> env_ptrs = pointers(envs);
  pid_t pid = fork();
  if (pid == 0) exec_child(argv_ptrs.data(), env_ptrs.data(), out_fd, err_fd);
  return pid;
}

UniqueFd open_output(const std::string& path) {
  return UniqueFd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
}

}  // namespace

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (is_proxy_variable(name) || extra.contains(name)) continue;
    out.push_back(entry);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

ChildProcess::ChildProcess(const LaunchOptions& options) {
  UniqueFd out = open_output(options.stdout_path);
  UniqueFd err = open_output(options.stderr_path);
  if (!out || !err || options.argv.empty()) return;
  pid_ = spawn(options.argv, options.env, out.get(), err.get());
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(other.status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (running()) stop();
    pid_ = std::exchange(other.pid_, -1);
    status_ = other.status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (running()) stop();
}

bool ChildProcess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    status_ = r == pid_ ? status : -1;
    return false;
  }
  return true;
}

bool ChildProcess::signal(int sig) {
  return running() && kill(pid_, sig) == 0;
}

std::optional<int> ChildProcess::wait(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return status_;
}

int ChildProcess::stop(milliseconds grace) {
  signal(SIGTERM);
  if (auto status = wait(grace)) return *status;
  signal(SIGKILL);
  if (auto status = wait(milliseconds(5000))) return *status;
  return -1;
}

CommandResult run_command(const std::vector<std::string>& argv, milliseconds timeout,
                          const std::map<std::string, std::string>& env) {
  constexpr size_t kMaxCapture = 64u << 20;
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return result;
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);

  pid_t pid = spawn(argv, env, out_write.get(), err_write.get());
  if (pid < 0) return result;
  out_write.reset();
  err_write.reset();

  const auto deadline = Clock::now() + timeout;
  std::string* sinks[2] = {&result.out, &result.err};
  UniqueFd* sources[2] = {&out_read, &err_read};
  while (*sources[0] || *sources[1]) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    for (int i = 0; i < 2; ++i) fds[i] = {sources[i]->get(), POLLIN, 0};
    if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = read(sources[i]->get(), buf, sizeof buf);
      if (n <= 0) {
        sources[i]->reset();
      } else if (sinks[i]->size() < kMaxCapture) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (result.timed_out) kill(pid, SIGKILL);
  int status = 0;
  // Bounded reap: the child has closed its output (or was just killed).
  const auto reap_deadline = Clock::now() + milliseconds(5000);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= reap_deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace socks4::test
