// How a `: shell_cmd` is started, by sockd (server/shell_runner) and by the client library
// (client_shell): `/bin/sh -c COMMAND` in a process group of its own, stdin and stdout/stderr
// on /dev/null, no descriptor above 2, every signal at its default and none blocked, and only
// a fixed PATH in its environment. Neither side's descriptors, handlers, ignored signals or
// environment (LD_PRELOAD, SOCKS_*) reach the command.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace socks4 {

class ShellSpawn {
 public:
  // Prepares all that posix_spawn needs; this may allocate, spawn() does not (the client
  // library spawns from a clone of the program, where another thread may hold malloc's lock).
  explicit ShellSpawn(std::string command);
  ~ShellSpawn();
  ShellSpawn(const ShellSpawn&) = delete;
  ShellSpawn& operator=(const ShellSpawn&) = delete;

  int error() const { return error_; }  // 0, or the error number of the preparation
  // Starts the command: 0 with *pid set, or an error number.
  int spawn(pid_t* pid) const;

 private:
  posix_spawnattr_t attributes_;
  posix_spawn_file_actions_t actions_;
  std::string command_;
  char* argv_[4];
  int error_ = 0;
};

// The /etc/services name of a TCP port (%S), or its number.
std::string service_name(uint16_t port);

}  // namespace socks4
