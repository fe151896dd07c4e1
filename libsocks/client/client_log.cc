// stderr logging for the client library.
#include "socks4/client_log.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>

namespace socks4::client {
namespace {

std::atomic<bool> g_debug{false};
// Lock-free, so that no lock of the log can be held across fork(2) (docs/ARCHITECTURE.md,
// "Threads and fork"): a rename racing a line shows a mixed name at worst. Empty: the default.
constexpr size_t kNameSize = 64;
std::array<std::atomic<char>, kNameSize> g_name{};

void copy_program_name(char* out) {
  size_t i = 0;
  for (; i + 1 < kNameSize; ++i) {
    out[i] = g_name[i].load(std::memory_order_relaxed);
    if (out[i] == '\0') break;
  }
  out[i] = '\0';
  if (out[0] == '\0') std::snprintf(out, kNameSize, "%s", "SOCKSclient");
}

void write_line(const char* format, va_list args) {
  int saved_errno = errno;  // logging must never change what the caller sees
  char line[1024];
  int prefix;
  char name[kNameSize];
  copy_program_name(name);
  prefix = std::snprintf(line, sizeof line, "libsocks[%s %d]: ", name, static_cast<int>(getpid()));
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
  size_t i = 0;
  for (; i + 1 < kNameSize && name[i] != '\0'; ++i) {
    g_name[i].store(name[i], std::memory_order_relaxed);
  }
  g_name[i].store('\0', std::memory_order_relaxed);
}

void set_debug_enabled(bool enabled) {
  g_debug.store(enabled, std::memory_order_relaxed);
}
bool debug_enabled() {
  return g_debug.load(std::memory_order_relaxed);
}

}  // namespace socks4::client
