// danted launcher (see client_danted.h).
#include "client_danted.h"

#include <unistd.h>

#include <thread>

#include "../support/sockd_process.h"
#include "../support/socket_io.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDanted = "/usr/sbin/danted";

std::string config(uint16_t port, const std::string& log) {
  return "logoutput: " + log + "\ninternal: 127.0.0.1 port = " + std::to_string(port) +
         "\nexternal: 127.0.0.1\nclientmethod: none\nsocksmethod: none\n"
         "user.privileged: root\nuser.unprivileged: nobody\nuser.libwrap: nobody\n"
         "client pass {\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n}\n"
         "socks pass {\n  from: 127.0.0.0/8 to: 127.0.0.0/8\n  command: connect bind bindreply\n"
         "  proxyprotocol: socks_v4\n  log: connect disconnect error\n}\n"
         "socks block {\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}\n";
}

// A port that was free a moment ago (danted needs a fixed one in its config).
uint16_t free_port() {
  UniqueFd probe = bind_loopback(false);
  return probe ? local_port(probe.get()) : 0;
}

}  // namespace

DantedProcess::~DantedProcess() {
  if (process_) process_->stop();
}

std::string DantedProcess::log() const {
  return read_text_file(dir_.file("danted.log"));
}

bool DantedProcess::start(std::chrono::milliseconds timeout) {
  if (access(kDanted, X_OK) != 0) {
    error_ = std::string(kDanted) + " not found (Debian package dante-server)";
    return false;
  }
  port_ = free_port();
  const std::string conf = dir_.write("danted.conf", config(port_, dir_.file("danted.log")));
  const std::string resolv = dir_.write("resolv.conf", loopback_resolv_conf());
  LaunchOptions launch;
  // unshare and sh exec in place, so the child's pid is danted's.
  launch.argv = {"unshare",
                 "--mount",
                 "--propagation",
                 "private",
                 "sh",
                 "-c",
                 "mount --bind \"$1\" /etc/resolv.conf && exec " + std::string(kDanted) +
                     " -f \"$2\" -p \"$3\" -N 1",
                 "sh",
                 resolv,
                 conf,
                 dir_.file("danted.pid")};  // not the system's /run/danted.pid
  launch.stderr_path = dir_.file("danted.stderr");
  process_ = std::make_unique<ChildProcess>(launch);
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!process_->running()) break;
    if (connect_tcp("127.0.0.1", port_, std::chrono::milliseconds(500))) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "danted did not come up on port " + std::to_string(port_) + "; stderr:\n" +
           read_text_file(dir_.file("danted.stderr")) + "log:\n" + log();
  return false;
}

}  // namespace socks4::test
