// sockd's log: one line per event, "sockd[PID]: ..." through syslog, or on stderr or in a file
// after an ISO 8601 time stamp (none when stderr is the journal, which stamps lines itself).
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sockd::log {

enum class Target { kStderr, kSyslog, kFile };

// The syslog(3) facility named `name` (lower case, as sockd.conf(5) lists them), or nullopt.
std::optional<int> syslog_facility(std::string_view name);

// Until init() is called, lines go to stderr. `facility` is a syslog facility name
// ("daemon", "local0" ...); returns false if it is unknown (daemon is used then).
bool init(Target target, std::string_view facility, bool debug);

// For Target::kFile, before init(): opens `path` for appending (created 0640 if missing).
bool open_file(const std::string& path, std::string* error);
// SIGUSR1: opens the log file's path again, so that a file renamed by logrotate is left for the
// new one, and logs what it did; only logs that there is nothing to reopen without a file.
void reopen_on_sigusr1();

// JSON lines (log_format json), set before the workers start: every line is one object,
// without the "sockd[PID]: " prefix; lines other than events are
// {"time":...,"event":"message","severity":...,"message":...}.
void use_json(bool json);
bool json();

// One event with stable field names, for JSON lines. Fields left empty are left out. `user` and
// `destination` are the client's bytes, sanitised as in text lines before they are escaped.
struct Event {
  const char* event = "request";  // request | close
  std::string_view client;
  std::string_view user;
  std::string_view command;      // CONNECT | BIND
  std::string_view destination;  // ADDRESS:PORT or HOSTNAME:PORT
  std::string_view resolved;     // the address a 4a name was connected to
  std::string_view result;       // granted | rejected | closed
  std::string_view reason;
  std::string_view via;  // the next hop that carried it ("192.0.2.1:1080"); empty: direct
  std::optional<uint64_t> bytes_sent, bytes_received;  // "bytes":{"sent":N,"received":N}
  std::optional<int64_t> milliseconds;                 // "seconds":S.mmm
};
// Writes `event` as one JSON object (whatever the format: callers use it when json()).
void event(const Event& event);
// `text` as a JSON string's contents: quote, backslash and every byte outside printable ASCII
// escaped (\uXXXX), so the line stays one valid object.
void append_json_escaped(std::string& out, std::string_view text);

// Sends libevent's own messages (evdns included) through this log instead of bare stderr.
void capture_libevent_messages();

// Re-reads the pid for the line prefix (after daemonizing).
void refresh_pid();

bool debug_enabled();

void info(const char* format, ...) __attribute__((format(printf, 1, 2)));
void warning(const char* format, ...) __attribute__((format(printf, 1, 2)));
void error(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Only with -d.
void debug(const char* format, ...) __attribute__((format(printf, 1, 2)));

// Untrusted bytes for a log line: printable ASCII stays, everything else (and space and
// backslash, so fields cannot be forged) becomes \xNN.
std::string sanitize(std::string_view untrusted);
// The same, appended to `out`.
void append_sanitized(std::string& out, std::string_view untrusted);

}  // namespace sockd::log
