#include "process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "socks4/unique_fd.h"

namespace sockd {
namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + strerror(errno);
}

}  // namespace

void StartupReport::send(int status, const std::string& message) {
  if (!fd_) return;
  // One write of at most PIPE_BUF bytes is atomic; the reader takes the first byte as status.
  std::string text(1, static_cast<char>(status));
  text += message.substr(0, 1024);
  ssize_t ignored = write(fd_.get(), text.data(), text.size());
  (void)ignored;  // the starting command may have given up waiting: nothing left to tell
  fd_.reset();
}

namespace {

// The starting command: waits for the daemon's report and exits with it.
[[noreturn]] void exit_with_report(socks4::UniqueFd from_daemon, pid_t child) {
  std::string text;
  pollfd ready{from_daemon.get(), POLLIN, 0};
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(kStartupReportSeconds);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      fprintf(stderr, "sockd: the daemon did not report ready within %d s\n",
              kStartupReportSeconds);
      _exit(1);
    }
    int n = poll(&ready, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buffer[1100];
    ssize_t got = read(from_daemon.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > 2048) break;
  }
  waitpid(child, nullptr, 0);  // the session leader, which exits at once
  if (text.empty()) {
    fputs("sockd: the daemon exited before it was ready\n", stderr);
    _exit(1);
  }
  int status = static_cast<unsigned char>(text[0]);
  if (text.size() > 1) fprintf(stderr, "sockd: %s\n", text.c_str() + 1);
  _exit(status);
}

}  // namespace

std::optional<std::string> absolute_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  std::vector<char> buffer(4096);
  if (!getcwd(buffer.data(), buffer.size())) return std::nullopt;
  std::string directory = buffer.data();
  return directory == "/" ? "/" + path : directory + "/" + path;
}

bool daemonize(bool keep_stderr, StartupReport* report, std::string* error) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) {
    *error = errno_text("pipe");
    return false;
  }
  socks4::UniqueFd from_daemon(ends[0]);
  socks4::UniqueFd to_parent(ends[1]);
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    *error = errno_text("fork");
    return false;
  }
  if (pid > 0) {
    to_parent.reset();  // EOF then means every daemon-side copy is gone
    exit_with_report(std::move(from_daemon), pid);
  }
  from_daemon.reset();
  *report = StartupReport(std::move(to_parent));
  if (setsid() < 0) {
    *error = errno_text("setsid");
    return false;
  }
  // A second fork: the daemon is not a session leader, so it never gets a controlling terminal.
  pid = fork();
  if (pid < 0) {
    *error = errno_text("fork");
    return false;
  }
  if (pid > 0) _exit(0);
  umask(022);
  if (chdir("/") != 0) {
    *error = errno_text("chdir /");
    return false;
  }
  socks4::UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) {
    *error = errno_text("/dev/null");
    return false;
  }
  dup2(null.get(), STDIN_FILENO);
  dup2(null.get(), STDOUT_FILENO);
  if (!keep_stderr) dup2(null.get(), STDERR_FILENO);
  return true;
}

bool PidFile::write(const std::string& path, std::string* error) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  dir_.reset(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_)
    file_.reset(openat(dir_.get(), name_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!dir_ || !file_) {
    *error = errno_text("cannot write pid file " + path);
    return false;
  }
  std::string text = std::to_string(getpid()) + "\n";
  if (::write(file_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    *error = errno_text("cannot write pid file " + path);
    return false;
  }
  path_ = path;
  return true;
}

bool PidFile::remove(std::string* error) {
  if (path_.empty()) return true;
  if (unlinkat(dir_.get(), name_.c_str(), 0) == 0 || errno == ENOENT) return true;
  *error = errno_text("cannot remove pid file " + path_);
  if (ftruncate(file_.get(), 0) == 0) *error += " (emptied it instead)";
  return false;
}

std::optional<UserIds> find_user(const std::string& user) {
  long size_hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size_hint > 0 ? static_cast<size_t>(size_hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return std::nullopt;
  return UserIds{found->pw_uid, found->pw_gid};
}

namespace {

// Whether the mode of `path` grants `owner_bit` (shifted for group and others) to the user.
bool permits(const std::string& path, mode_t owner_bit, const passwd& user,
             const std::vector<gid_t>& groups) {
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) return false;
  if (status.st_uid == user.pw_uid) return status.st_mode & owner_bit;
  for (gid_t group : groups)
    if (status.st_gid == group) return status.st_mode & (owner_bit >> 3);
  return status.st_mode & (owner_bit >> 6);
}

}  // namespace

bool user_may_read(const std::string& path, const std::string& user) {
  long size_hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size_hint > 0 ? static_cast<size_t>(size_hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return false;
  if (found->pw_uid == 0) return true;
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
    getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count);
  }
  groups.resize(static_cast<size_t>(std::max(count, 0)));
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    if (!permits(path.substr(0, slash), S_IXUSR, *found, groups)) return false;
  }
  return permits(path, S_IRUSR, *found, groups);
}

bool drop_privileges(const std::string& user, std::string* error) {
  long size_hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size_hint > 0 ? static_cast<size_t>(size_hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int status = getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (status != 0 || !found) {
    *error = "unknown user '" + user + "'";
    return false;
  }
  if (getuid() == found->pw_uid && geteuid() == found->pw_uid && getgid() == found->pw_gid)
    return true;
  if (initgroups(found->pw_name, found->pw_gid) != 0) {
    *error = errno_text("cannot set the groups of " + user);
    return false;
  }
  if (setgid(found->pw_gid) != 0 || setuid(found->pw_uid) != 0) {
    *error = errno_text("cannot switch to user " + user);
    return false;
  }
  // Make sure there is no way back.
  if (setuid(0) == 0 && found->pw_uid != 0) {
    *error = "could regain root after switching to " + user;
    return false;
  }
  return true;
}

}  // namespace sockd
