// SOCKS server lists, "host[:port][,host[:port]...]": the one grammar of SOCKS_SERVER, of
// socksify -s and of socks.conf's @= lists. Strict, because a list that is misread sends
// traffic where the user did not mean it to go. Pure; socksify, a small static program,
// compiles this file with conf_text.cc alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socks4/conf_text.h"

namespace socks4::client {

inline constexpr uint16_t kDefaultServerPort = 1080;
inline constexpr size_t kMaxServersPerRule = 64;

// One SOCKS server of an @= list or of SOCKS_SERVER. `host` is kept as written (an IPv4 literal
// or a name, resolved only when used).
struct ServerAddress {
  std::string host;
  uint16_t port = kDefaultServerPort;
  friend bool operator==(const ServerAddress&, const ServerAddress&) = default;
};

// Parses a server list. Blanks (space, tab) around an item are allowed; anything else that is
// not host[:port] is an error: an empty item (a stray comma), a port outside 1..65535, an IPv6
// address (the library reaches its servers over IPv4 only), a control or non-ASCII byte, more
// than kMaxServersPerRule servers. Returns nullopt and sets `*error` (printable, bounded).
std::optional<std::vector<ServerAddress>> parse_server_list(std::string_view text,
                                                            std::string* error);

// `text` in single quotes for a message: printable ASCII as is, other bytes (and quotes and
// backslashes) as \xNN, shortened with "..." past 128 bytes.
inline std::string quote_for_message(std::string_view text) {
  return conf::quote(text, '\'', 128);
}

}  // namespace socks4::client
