// Telling users why a connection failed: one stderr line per destination and reason, naming the
// SOCKS server (or the socks.conf line) and the reason, unless SOCKS_QUIET is set (socksify -q).
// The classic client did most of its logging this way, so that "users know why their outgoing
// access attempts were denied".
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "socks4/proto.h"

namespace socks4::client {

enum class NoticeKind {
  kServerRefused,     // sockd answered 91, 92 or 93
  kRuleDenied,        // a socks.conf deny line (or unusable settings) refused it here
  kServerUnreachable  // no SOCKS server could be reached
};

struct Notice {
  NoticeKind kind = NoticeKind::kServerRefused;
  Command command = Command::kConnect;
  std::string destination;  // "198.51.100.2:25" or "name.example:25"
  std::string server;       // "192.0.2.1:1080" (several: "a:1080, b:1080"); for kRuleDenied, where
                            // the rule is ("/etc/socks.conf line 3"), or empty
  std::string reason;       // "request rejected", "Connection refused", ...
};

// The reason a refusing reply gives, in words.
const char* reply_reason(ReplyCode code);

// "198.51.100.2:25", "name.example:25" or "name.example/198.51.100.2:25". `ip` in host order,
// 0 for none.
std::string destination_text(const std::string& name, uint32_t ip, uint16_t port);

// The one line (with its newline), prefixed by `program` ("socksify", "libsocks").
std::string format_notice(std::string_view program, const Notice& notice);

// Remembers what was said: the last kSlots different keys, so memory stays bounded and a
// process that talks to many destinations hears about an old one again only after kSlots others.
// Lock-free (no lock may be held across fork(2)); a race may say a line twice, never lose one.
class NoticeMemory {
 public:
  static constexpr size_t kSlots = 64;
  // True the first time `key` is seen (among the last kSlots keys).
  bool first_time(std::string_view key);

 private:
  std::array<std::atomic<uint64_t>, kSlots> seen_{};
  std::atomic<size_t> next_{0};
};

// Says `notice` on stderr, once per destination and reason, unless SOCKS_QUIET is set; and to
// syslog every time under SOCKS_SYSLOG (client_syslog.h). Keeps errno.
void notify(const Notice& notice);

// SOCKS_QUIET, from the process's context (set when it is built or replaced).
void set_quiet(bool quiet);

// The name notices start with: "libsocks" unless the preload library says "socksify".
void set_notice_program(const char* name);
std::string notice_program();

}  // namespace socks4::client
