// stderr logging for the client library.
#include "socks4/client_log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

namespace socks4::client {
namespace {

std::atomic<bool> g_debug{false};
std::mutex g_name_mutex;
std::string& program_name() {
  static std::string name = "SOCKSclient";
  return name;
}

void write_line(const char* format, va_list args) {
  int saved_errno = errno;  // logging must never change what the caller sees
  char line[1024];
  int prefix;
  {
    std::lock_guard lock(g_name_mutex);
    prefix = std::snprintf(line, sizeof line, "libsocks[%s %d]: ", program_name().c_str(),
                           static_cast<int>(getpid()));
  }
  if (prefix < 0 || static_cast<size_t>(prefix) >= sizeof line - 2) prefix = 0;
  int body = std::vsnprintf(line + prefix, sizeof line - prefix - 1, format, args);
  size_t length = static_cast<size_t>(prefix) + (body < 0 ? 0 : static_cast<size_t>(body));
  if (length > sizeof line - 2) length = sizeof line - 2;
  line[length++] = '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line, length);
  (void)ignored;
  errno = saved_errno;
}

}  // namespace

void debug_log(const char* format, ...) {
  if (!g_debug.load(std::memory_order_relaxed)) return;
  va_list args;
  va_start(args, format);
  write_line(format, args);
  va_end(args);
}

void error_log(const char* format, ...) {
  va_list args;
  va_start(args, format);
  write_line(format, args);
  va_end(args);
}

void set_program_name(const char* name) {
  if (name == nullptr || name[0] == '\0') return;
  std::lock_guard lock(g_name_mutex);
  program_name() = name;
}

void set_debug_enabled(bool enabled) {
  g_debug.store(enabled, std::memory_order_relaxed);
}
bool debug_enabled() {
  return g_debug.load(std::memory_order_relaxed);
}

}  // namespace socks4::client
