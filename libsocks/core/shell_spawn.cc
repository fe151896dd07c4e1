// The one way both sides start a shell command (see socks4/shell_spawn.h).
#include "socks4/shell_spawn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>

#include <array>

namespace socks4 {
namespace {

// posix_spawn wants char* const[]; these are never written.
char kShell[] = "/bin/sh";
char kDashC[] = "-c";
char kPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
char* kEnvironment[] = {kPath, nullptr};

}  // namespace

ShellSpawn::ShellSpawn(std::string command) : command_(std::move(command)) {
  argv_[0] = kShell;
  argv_[1] = kDashC;
  argv_[2] = command_.data();
  argv_[3] = nullptr;
  posix_spawnattr_init(&attributes_);
  posix_spawn_file_actions_init(&actions_);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);  // an ignored signal would survive the exec (sockd ignores SIGPIPE)
  int error = posix_spawnattr_setflags(
      &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  if (!error) error = posix_spawnattr_setpgroup(&attributes_, 0);  // its own group
  if (!error) error = posix_spawnattr_setsigmask(&attributes_, &none);
  if (!error) error = posix_spawnattr_setsigdefault(&attributes_, &all);
  if (!error) error = posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
  if (!error) error = posix_spawn_file_actions_addopen(&actions_, 1, "/dev/null", O_WRONLY, 0);
  // Not even stderr: a command must not hold a caller's pipes open after it exits (a reader
  // would wait for it), nor write into a program's output.
  if (!error) error = posix_spawn_file_actions_adddup2(&actions_, 1, 2);
  // Whatever might lack close-on-exec (client sockets above all) stays behind.
  if (!error) error = posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
  error_ = error;
}

ShellSpawn::~ShellSpawn() {
  posix_spawn_file_actions_destroy(&actions_);
  posix_spawnattr_destroy(&attributes_);
}

int ShellSpawn::spawn(pid_t* pid) const {
  if (error_) return error_;
  return posix_spawn(pid, kShell, &actions_, &attributes_, argv_, kEnvironment);
}

std::string service_name(uint16_t port) {
  servent entry{};
  servent* found = nullptr;
  std::array<char, 1024> buffer{};
  if (getservbyport_r(htons(port), "tcp", &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found && found->s_name) {
    return found->s_name;
  }
  return std::to_string(port);
}

}  // namespace socks4
