#include "log.h"

#include <event2/event.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "log_message.h"

namespace sockd::log {
namespace {

std::atomic<Target> g_target{Target::kStderr};
// Where stderr and file lines go. A reopened file takes the same number (dup3), so a line
// being written as the file changes goes to one file or the other, never to a closed number.
std::atomic<int> g_fd{STDERR_FILENO};
std::string g_file_path;  // set once, before the workers start
std::atomic<bool> g_debug{false};
std::atomic<bool> g_json{false};
// "sockd[PID]: ", formatted once; rewritten only by refresh_pid(), before any worker starts.
char g_prefix[32];
size_t g_prefix_length = 0;

constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxStamp = 48;  // "YYYY-MM-DDTHH:MM:SS.mmm+HH:MM " is 30

void format_prefix() {
  int length = snprintf(g_prefix, sizeof g_prefix, "sockd[%d]: ", static_cast<int>(getpid()));
  g_prefix_length = length > 0 ? static_cast<size_t>(length) : 0;
}
// Lines logged before init() get the prefix too.
[[maybe_unused]] const bool g_prefix_ready = (format_prefix(), true);

// systemd sets JOURNAL_STREAM=DEVICE:INODE when it connects stderr to the journal, which stamps
// every line itself. A child whose stderr went elsewhere inherits the variable: compare.
bool stderr_is_journal() {
  const char* stream = getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long device = 0, inode = 0;
  if (sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == device && st.st_ino == inode;
}

std::atomic<bool> g_stamp{!stderr_is_journal()};

// The parts of the stamp that change once a second ("YYYY-MM-DDTHH:MM:SS" and the UTC offset),
// formatted once a second per thread: localtime_r() and strftime() cost more than all the rest
// of a log line, and a busy server writes thousands of lines a second.
struct StampSecond {
  time_t second = -1;
  char date[32];
  size_t date_length = 0;
  char offset[8];  // "+HH:MM"
};
thread_local StampSecond t_stamp_second;

// "2026-12-06T09:55:53.123+01:00 " (local time, ISO 8601 with the UTC offset), or nothing if
// the clock cannot be read; returns its length.
size_t format_stamp(char* out, size_t size) {
  timespec now{};
  if (clock_gettime(CLOCK_REALTIME, &now) != 0) return 0;
  StampSecond& cached = t_stamp_second;
  if (now.tv_sec != cached.second) {
    tm local{};
    if (!localtime_r(&now.tv_sec, &local)) return 0;
    cached.date_length = strftime(cached.date, sizeof cached.date, "%Y-%m-%dT%H:%M:%S", &local);
    if (cached.date_length == 0) return 0;
    const long offset_minutes = local.tm_gmtoff / 60;
    const long magnitude = (offset_minutes < 0 ? -offset_minutes : offset_minutes) % (100 * 60);
    snprintf(cached.offset, sizeof cached.offset, "%c%02ld:%02ld", offset_minutes < 0 ? '-' : '+',
             magnitude / 60, magnitude % 60);
    cached.second = now.tv_sec;
  }
  const size_t length = cached.date_length + 4 + 6 + 1;  // ".mmm", "+HH:MM", " "
  if (length > size) return 0;
  std::memcpy(out, cached.date, cached.date_length);
  char* next = out + cached.date_length;
  const long millis = now.tv_nsec / 1000000;
  *next++ = '.';
  *next++ = static_cast<char>('0' + millis / 100);
  *next++ = static_cast<char>('0' + millis / 10 % 10);
  *next++ = static_cast<char>('0' + millis % 10);
  std::memcpy(next, cached.offset, 6);
  next[6] = ' ';
  return length;
}

struct FacilityName {
  std::string_view name;
  int value;
};

// Every facility sockd.conf(5) lists (and conf_directives.cc accepts).
constexpr FacilityName kFacilities[] = {
    {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
    {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},     {"lpr", LOG_LPR},
    {"mail", LOG_MAIL},     {"news", LOG_NEWS},         {"syslog", LOG_SYSLOG},
    {"user", LOG_USER},     {"uucp", LOG_UUCP},
};

int open_for_append(const std::string& path) {
  return open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

const char* severity_name(int priority) {
  switch (priority) {
    case LOG_ERR:
      return "error";
    case LOG_WARNING:
      return "warning";
    case LOG_DEBUG:
      return "debug";
    default:
      return "info";
  }
}

// One finished line (a JSON object, without its newline) to syslog, the file or stderr.
void write_line(int priority, std::string& line) {
  if (g_target.load(std::memory_order_relaxed) == Target::kSyslog) {
    syslog(priority, "%s", line.c_str());
    return;
  }
  line.push_back('\n');
  ssize_t ignored = write(g_fd.load(std::memory_order_relaxed), line.data(), line.size());
  (void)ignored;
}

// {"time":"...", with the stamp's trailing space left out.
void start_object(std::string& out) {
  char stamp[kMaxStamp];
  size_t length = format_stamp(stamp, sizeof stamp);
  out += "{\"time\":\"";
  out.append(stamp, length > 0 ? length - 1 : 0);
  out += '"';
}

void add_field(std::string& out, const char* name, std::string_view value) {
  if (value.empty()) return;
  out += ",\"";
  out += name;
  out += "\":\"";
  append_json_escaped(out, value);
  out += '"';
}

void emit_json(int priority, const char* format, va_list args) {
  char message[kMaxMessage];
  if (format_message(message, sizeof message, format, args) < 0) return;
  std::string line;
  line.reserve(96 + strlen(message));
  start_object(line);
  add_field(line, "event", "message");
  add_field(line, "severity", severity_name(priority));
  add_field(line, "message", message);
  line += '}';
  write_line(priority, line);
}

void emit(int priority, const char* format, va_list args) {
  if (g_json.load(std::memory_order_relaxed)) return emit_json(priority, format, args);
  const Target target = g_target.load(std::memory_order_relaxed);
  if (target == Target::kSyslog) {
    char message[kMaxMessage];
    format_message(message, sizeof message, format, args);
    syslog(priority, "%s", message);
    return;
  }
  // Stamp, prefix, message and newline formatted once into one buffer and written with one
  // write(), which keeps lines from different threads whole.
  char line[kMaxStamp + sizeof g_prefix + kMaxMessage + 1];
  const bool stamp = target == Target::kFile || g_stamp.load(std::memory_order_relaxed);
  size_t head = stamp ? format_stamp(line, kMaxStamp) : 0;
  std::memcpy(line + head, g_prefix, g_prefix_length);
  head += g_prefix_length;
  char* message = line + head;
  int length = format_message(message, kMaxMessage, format, args);
  if (length < 0) return;
  size_t message_length = std::min(static_cast<size_t>(length), kMaxMessage - 1);
  message[message_length] = '\n';
  ssize_t ignored = write(g_fd.load(std::memory_order_relaxed), line, head + message_length + 1);
  (void)ignored;
}

}  // namespace

std::optional<int> syslog_facility(std::string_view name) {
  for (const auto& entry : kFacilities) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

bool init(Target target, std::string_view facility, bool debug) {
  const std::optional<int> known = syslog_facility(facility);
  const int facility_value = known.value_or(LOG_DAEMON);
  if (target == Target::kSyslog) openlog("sockd", LOG_PID | LOG_NDELAY, facility_value);
  g_target = target;
  g_debug = debug;
  g_stamp = !stderr_is_journal();
  refresh_pid();
  return known.has_value();
}

bool open_file(const std::string& path, std::string* error) {
  int fd = open_for_append(path);
  if (fd < 0) {
    *error = "cannot open the log file " + path + ": " + strerror(errno);
    return false;
  }
  g_file_path = path;
  g_fd = fd;
  return true;
}

void reopen_on_sigusr1() {
  if (g_target.load() != Target::kFile) {
    info("SIGUSR1: no log file to reopen");
    return;
  }
  int fd = open_for_append(g_file_path);
  if (fd < 0) {
    error("SIGUSR1: cannot reopen %s (%s); still writing to the file open before",
          g_file_path.c_str(), strerror(errno));
    return;
  }
  int replaced = dup3(fd, g_fd.load(), O_CLOEXEC);
  const int saved = errno;
  close(fd);
  if (replaced < 0) {
    error("SIGUSR1: cannot reopen %s (dup3: %s)", g_file_path.c_str(), strerror(saved));
    return;
  }
  info("SIGUSR1: reopened %s", g_file_path.c_str());
}

void use_json(bool json) {
  g_json = json;
}

bool json() {
  return g_json.load(std::memory_order_relaxed);
}

void event(const Event& event) {
  std::string line;
  line.reserve(256);
  start_object(line);
  add_field(line, "event", event.event);
  add_field(line, "client", event.client);
  add_field(line, "user", sanitize(event.user));
  add_field(line, "command", event.command);
  add_field(line, "destination", sanitize(event.destination));
  add_field(line, "resolved", event.resolved);
  add_field(line, "result", event.result);
  add_field(line, "reason", event.reason);
  add_field(line, "via", event.via);
  if (event.bytes_sent && event.bytes_received) {
    line += ",\"bytes\":{\"sent\":" + std::to_string(*event.bytes_sent) +
            ",\"received\":" + std::to_string(*event.bytes_received) + "}";
  }
  if (event.milliseconds) {
    char seconds[64];
    snprintf(seconds, sizeof seconds, ",\"seconds\":%lld.%03lld",
             static_cast<long long>(*event.milliseconds / 1000),
             static_cast<long long>(*event.milliseconds % 1000));
    line += seconds;
  }
  line += '}';
  write_line(LOG_INFO, line);
}

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
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
  format_prefix();
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
  std::string out;
  append_sanitized(out, untrusted);
  return out;
}

void append_sanitized(std::string& out, std::string_view untrusted) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + untrusted.size());
  for (unsigned char c : untrusted) {
    if (c > 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
}

}  // namespace sockd::log
