// Running socks.conf's `: shell_cmd` when its line decides a connection, as the NEC client did
// (a deny line that tells the user why, through logger(1) or a mail).
//
// The values are sockd.conf's (socks4/shell_template.h, the one sanitiser both share), from the
// client's side: %A and %a this host's name (no lookup, which could block), %c connect or bind,
// %p the program's process id, %S and %s the destination's service and port, %U and %u the user
// (SOCKS_USERNAME, else the effective uid's login name), %Z the destination's name (or address)
// and %z its address (or name, while unresolved).
//
// Running a command inside someone else's process must not change what that process sees:
//  - the connect never waits for the command: a supervisor process is started (clone(2) with no
//    exit signal, like a fork that sends no SIGCHLD) and returns at once; it posix_spawns
//    /bin/sh -c in its own process group, waits for it and kills the group after
//    kTimeLimitSeconds;
//  - the program's wait(2)/waitpid(-1) and SIGCHLD never see the supervisor (Linux reports a child
//    with no exit signal only to waits that ask for __WCLONE), nor the command (the
//    supervisor's child); the library reaps its supervisors itself, with __WCLONE, by pid;
//  - at most kMaxRunning run at once (more are dropped with a line on stderr);
//  - the command gets a fixed PATH and nothing else of the environment (no LD_PRELOAD, no
//    SOCKS_*), stdin, stdout and stderr on /dev/null (it must not hold the program's pipes
//    open, nor write into its output), and no other descriptor;
//  - never in a setuid or setgid process (AT_SECURE): its file, socks.conf, is one the invoking
//    user may not control, and the command would run with the program's privileges. The
//    SOCKS_* variables are read with secure_getenv(3) already, so such a process never takes its
//    configuration from an environment it did not ask for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "socks4/proto.h"
#include "socks4/shell_template.h"
#include "socks4/socks_conf.h"

namespace socks4::client {

inline constexpr size_t kMaxRunningShellCommands = 8;
inline constexpr int kShellTimeLimitSeconds = 30;

// The % values of one decision. `ip` in host order; nullopt while only the name is known.
ShellValues client_shell_values(Command command, const std::string& name,
                                std::optional<uint32_t> ip, uint16_t port, const std::string& user);

// Runs `rule`'s command, if it has one and may run here, with `values`. Never blocks on the
// command; keeps errno.
void run_rule_command(const RoutingRule& rule, const ShellValues& values);

}  // namespace socks4::client
