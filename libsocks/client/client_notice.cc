// Notices for users (see client_notice.h).
#include "socks4/client_notice.h"

#include <arpa/inet.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>

#include "socks4/client_syslog.h"

namespace socks4::client {
namespace {

// The most one line holds: a program's own stderr should not be flooded by a long name.
constexpr size_t kMaxLine = 1024;

// Lock-free like client_log.cc's program name: no lock may be held across fork(2).
constexpr size_t kProgramSize = 32;
std::array<std::atomic<char>, kProgramSize> g_program{};

}  // namespace

std::string notice_program() {
  std::string out;
  for (size_t i = 0; i + 1 < kProgramSize; ++i) {
    char c = g_program[i].load(std::memory_order_relaxed);
    if (c == '\0') break;
    out.push_back(c);
  }
  return out.empty() ? "libsocks" : out;
}

namespace {

// A host name from a program or a reply may hold any byte: none may start a line of its own or
// move the terminal's cursor.
void append_printable(std::string& out, std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
  }
}

const char* command_name(Command command) {
  return command == Command::kBind ? "BIND" : "CONNECT";
}

uint64_t hash_of(std::string_view key) {
  uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash == 0 ? 1 : hash;  // 0 marks an empty slot
}

// Set with the context (client_context.cc): notify() runs under the registry's lock, which must
// never wait for the context's (docs/ARCHITECTURE.md, "Threads and fork").
std::atomic<bool> g_quiet{false};

NoticeMemory& said() {
  static NoticeMemory memory;
  return memory;
}

}  // namespace

const char* reply_reason(ReplyCode code) {
  switch (code) {
    case ReplyCode::kGranted:
      return "request granted";
    case ReplyCode::kRejected:
      return "request rejected";
    case ReplyCode::kNoIdentd:
      return "sockd cannot reach this host's identd";
    case ReplyCode::kIdentMismatch:
      return "identd reports a different user";
  }
  return "unknown reply";
}

std::string destination_text(const std::string& name, uint32_t ip, uint16_t port) {
  std::string out = name;
  if (ip != 0) {
    in_addr address{htonl(ip)};
    char text[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &address, text, sizeof text);
    out += out.empty() ? text : std::string("/") + text;
  }
  return out + ":" + std::to_string(port);
}

std::string format_notice(std::string_view program, const Notice& notice) {
  std::string line(program);
  line += ": ";
  std::string target = std::string(command_name(notice.command)) + " to ";
  switch (notice.kind) {
    case NoticeKind::kServerRefused:
      line += "sockd ";
      append_printable(line, notice.server);
      line += " refused " + target;
      break;
    case NoticeKind::kRuleDenied:
      if (!notice.server.empty()) {
        append_printable(line, notice.server);
        line += " denied " + target;
      } else {
        line += "refused " + target;
      }
      break;
    case NoticeKind::kServerUnreachable:
      line += "cannot reach SOCKS server ";
      append_printable(line, notice.server);
      line += " for " + target;
      break;
  }
  append_printable(line, notice.destination);
  line += " (";
  append_printable(line, notice.reason);
  line += ")";
  if (line.size() > kMaxLine - 1) line.resize(kMaxLine - 1);
  return line + "\n";
}

bool NoticeMemory::first_time(std::string_view key) {
  const uint64_t hash = hash_of(key);
  for (const std::atomic<uint64_t>& slot : seen_) {
    if (slot.load(std::memory_order_relaxed) == hash) return false;
  }
  seen_[next_.fetch_add(1, std::memory_order_relaxed) % kSlots].store(hash,
                                                                      std::memory_order_relaxed);
  return true;
}

void notify(const Notice& notice) {
  const int saved_errno = errno;  // telling the user must never change what the program sees
  if (syslog_enabled()) {
    std::string line = format_notice("", notice);  // ": ...\n"
    syslog_decision(LOG_NOTICE, std::string_view(line).substr(2, line.size() - 3));
  }
  if (!g_quiet.load(std::memory_order_relaxed)) {
    const std::string key = std::to_string(static_cast<int>(notice.kind)) + "\n" +
                            notice.destination + "\n" + notice.reason;
    if (said().first_time(key)) {
      const std::string line = format_notice(notice_program(), notice);
      ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
      (void)ignored;
    }
  }
  errno = saved_errno;
}

void set_quiet(bool quiet) {
  g_quiet.store(quiet, std::memory_order_relaxed);
}

void set_notice_program(const char* name) {
  if (name == nullptr) return;
  size_t i = 0;
  for (; i + 1 < kProgramSize && name[i] != '\0'; ++i) {
    g_program[i].store(name[i], std::memory_order_relaxed);
  }
  g_program[i].store('\0', std::memory_order_relaxed);
}

}  // namespace socks4::client
