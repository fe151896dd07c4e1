// sockd under test: a private directory with its sockd.conf, hosts file and resolv.conf (the
// resolver points at 127.0.0.1, where nothing answers, so no query ever leaves the machine),
// started in the foreground with its stderr captured, its port learned from the
// "listening on ADDR:PORT" line.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "child_process.h"
#include "temp_dir.h"

namespace socks4::test {

// <build>/sockd, found next to the test binary (<build>/tests/<binary>); the environment
// variable SOCKD_BIN overrides it.
std::string sockd_binary();

struct SockdOptions {
  // Rules and directives appended after the generated hosts_file/resolv_conf lines.
  std::string config = "permit 127.0.0.0 255.0.0.0\n";
  std::string hosts = "127.0.0.1 only-sockd.test\n";
  std::vector<std::string> extra_args = {"-t", "2"};
  std::string listen = "127.0.0.1:0";  // -l argument; empty: none (the config's `listen`)
  bool write_config = true;            // false: run without -f (built-in default config)
  // Put before the sockd command, e.g. {"ip", "netns", "exec", NAME}.
  std::vector<std::string> command_prefix;
  // If set, the config is exactly this text (no generated hosts_file/resolv_conf lines).
  std::string full_config;
  // If set, the file the config's `log FILE` names: log() and the waits read it, not stderr.
  std::string log_file;
  // How often start() looks for the "listening on" line.
  std::chrono::microseconds ready_poll = std::chrono::milliseconds(20);
};

// Defaults with one field changed (designated initializers would need every field spelled out
// under -Wextra).
inline SockdOptions with_config(std::string config) {
  SockdOptions o;
  o.config = std::move(config);
  return o;
}
inline SockdOptions with_args(std::vector<std::string> extra_args) {
  SockdOptions o;
  o.extra_args = std::move(extra_args);
  return o;
}

class SockdProcess {
 public:
  explicit SockdProcess(SockdOptions options = {});
  // Stops sockd (SIGTERM, bounded) and, if SOCKD_LOG_DIR is set, keeps its stderr there as
  // sockd-PID.stderr: tests/run.sh checks those for sanitizer reports (a leak report is
  // written only as sockd exits, after the test has looked at the log).
  ~SockdProcess();
  SockdProcess(const SockdProcess&) = delete;
  SockdProcess& operator=(const SockdProcess&) = delete;

  // Starts sockd and waits (bounded) for its "listening on" line. False, with the reason in
  // error(), if it did not come up.
  bool start(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  uint16_t port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  const std::string& error() const { return error_; }
  const std::string& config_path() const { return config_path_; }

  // Everything sockd logged so far (stderr, or the options' log_file).
  std::string log() const;
  // Waits (bounded) until the log contains `needle`; returns whether it did.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout);
  // Log lines containing every one of `needles`.
  std::vector<std::string> log_lines_with(const std::vector<std::string>& needles) const;

  ChildProcess& process() { return process_; }

 private:
  SockdOptions options_;
  TempDir dir_;
  std::string config_path_;
  std::string log_path_;
  ChildProcess process_;
  uint16_t port_ = 0;
  std::string error_;
};

// Whether `line` starts as sockd's own stderr lines do: an ISO 8601 time stamp with
// milliseconds and the UTC offset, then "sockd[PID]: " (the stamp left out when `stamped` is
// false: stderr is the journal).
bool starts_as_sockd_line(const std::string& line, pid_t pid, bool stamped = true);

// "nameserver 127.0.0.1" plus a one-second, one-attempt timeout.
std::string loopback_resolv_conf();

}  // namespace socks4::test
