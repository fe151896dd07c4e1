#include "log.h"

#include <event2/event.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace sockd::log {
namespace {

std::atomic<Target> g_target{Target::kStderr};
std::atomic<bool> g_debug{false};
std::atomic<pid_t> g_pid{getpid()};

struct FacilityName {
  std::string_view name;
  int value;
};

constexpr FacilityName kFacilities[] = {
    {"daemon", LOG_DAEMON},     {"user", LOG_USER},     {"auth", LOG_AUTH},
    {"authpriv", LOG_AUTHPRIV}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

void emit(int priority, const char* format, va_list args) {
  char message[1024];
  vsnprintf(message, sizeof message, format, args);
  if (g_target.load(std::memory_order_relaxed) == Target::kSyslog) {
    syslog(priority, "%s", message);
    return;
  }
  // One write per line keeps lines from different threads whole.
  char line[1100];
  int length =
      snprintf(line, sizeof line, "sockd[%d]: %s\n", static_cast<int>(g_pid.load()), message);
  if (length < 0) return;
  if (static_cast<size_t>(length) >= sizeof line) {
    length = sizeof line - 1;
    line[length - 1] = '\n';
  }
  ssize_t ignored = write(STDERR_FILENO, line, static_cast<size_t>(length));
  (void)ignored;
}

}  // namespace

bool init(Target target, std::string_view facility, bool debug) {
  int facility_value = LOG_DAEMON;
  bool known = false;
  for (const auto& entry : kFacilities) {
    if (entry.name == facility) {
      facility_value = entry.value;
      known = true;
    }
  }
  if (target == Target::kSyslog) openlog("sockd", LOG_PID | LOG_NDELAY, facility_value);
  g_target = target;
  g_debug = debug;
  refresh_pid();
  return known;
}

void capture_libevent_messages() {
  event_set_log_callback([](int severity, const char* message) {
    if (severity >= EVENT_LOG_ERR) {
      error("libevent: %s", message);
    } else if (severity == EVENT_LOG_WARN) {
      warning("libevent: %s", message);
    } else {
      debug("libevent: %s", message);  // evdns nameserver up/down chatter
    }
  });
}

void refresh_pid() {
  g_pid = getpid();
}

bool debug_enabled() {
  return g_debug.load(std::memory_order_relaxed);
}

void info(const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(LOG_INFO, format, args);
  va_end(args);
}

void warning(const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(LOG_WARNING, format, args);
  va_end(args);
}

void error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(LOG_ERR, format, args);
  va_end(args);
}

void debug(const char* format, ...) {
  if (!debug_enabled()) return;
  va_list args;
  va_start(args, format);
  emit(LOG_DEBUG, format, args);
  va_end(args);
}

std::string sanitize(std::string_view untrusted) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(untrusted.size());
  for (unsigned char c : untrusted) {
    if (c > 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace sockd::log
