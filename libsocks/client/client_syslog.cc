// SOCKS_SYSLOG (see client_syslog.h).
#include "socks4/client_syslog.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "socks4/client_notice.h"
#include "socks4/client_sys.h"

namespace socks4::client {
namespace {

std::atomic<bool> g_enabled{false};

}  // namespace

std::string format_syslog_datagram(int priority, std::string_view tag, int pid,
                                   std::string_view message) {
  std::string out = "<" + std::to_string(LOG_USER | (priority & LOG_PRIMASK)) + ">";
  out += tag;
  out += "[" + std::to_string(pid) + "]: ";
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
  }
  if (out.size() > kMaxSyslogDatagram) out.resize(kMaxSyslogDatagram);
  return out;
}

void set_syslog_enabled(bool enabled) {
  g_enabled.store(enabled, std::memory_order_relaxed);
}

bool syslog_enabled() {
  return g_enabled.load(std::memory_order_relaxed);
}

void syslog_decision(int severity, std::string_view message) {
  if (!syslog_enabled()) return;
  const int saved_errno = errno;
  const std::string datagram = format_syslog_datagram(
      severity, notice_program(), static_cast<int>(getpid()),
      std::string(program_invocation_short_name) + ": " + std::string(message));
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd >= 0) {
    sockaddr_un log{};
    log.sun_family = AF_UNIX;
    std::strcpy(log.sun_path, "/dev/log");
    // Non-blocking: a daemon that does not keep up loses lines, the program never waits.
    ssize_t ignored = sendto(fd, datagram.data(), datagram.size(), MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&log), sizeof log);
    (void)ignored;
    sys().close(fd);  // the real close: the preload's own would ask the registry
  }
  errno = saved_errno;
}

}  // namespace socks4::client
