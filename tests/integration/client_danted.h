// Dante's danted (Debian dante-server) as a SOCKS 4 server with BIND, for testing the client
// library's BIND side against a second implementation besides sockd. Runs in the foreground,
// started and stopped by its own pid, on 127.0.0.1:<free port>, relaying only loopback, inside a
// private mount namespace whose /etc/resolv.conf points at 127.0.0.1 (no DNS leaves the machine).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "../support/child_process.h"
#include "../support/temp_dir.h"

namespace socks4::test {

class DantedProcess {
 public:
  DantedProcess() = default;
  DantedProcess(const DantedProcess&) = delete;
  DantedProcess& operator=(const DantedProcess&) = delete;
  ~DantedProcess();

  // Writes the config, starts danted and waits (bounded) until its port accepts. False with
  // the reason in error().
  bool start(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  uint16_t port() const { return port_; }
  const std::string& error() const { return error_; }
  std::string log() const;

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
  std::string error_;
};

}  // namespace socks4::test
