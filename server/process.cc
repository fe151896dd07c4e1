#include "process.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "socks4/unique_fd.h"

namespace sockd {
namespace {

std::string errno_text(const std::string& what) {
  return what + ": " + strerror(errno);
}

}  // namespace

bool daemonize(bool keep_stderr, std::string* error) {
  pid_t pid = fork();
  if (pid < 0) {
    *error = errno_text("fork");
    return false;
  }
  if (pid > 0) _exit(0);
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

bool write_pid_file(const std::string& path, std::string* error) {
  socks4::UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) {
    *error = errno_text("cannot write pid file " + path);
    return false;
  }
  std::string text = std::to_string(getpid()) + "\n";
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    *error = errno_text("cannot write pid file " + path);
    return false;
  }
  return true;
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
