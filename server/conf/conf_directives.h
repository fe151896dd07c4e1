// The daemon's own directives in sockd.conf (listen, timeout, identd, log, user, ...); see
// ServerSettings for their meaning.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "socks4/conf_lexer.h"
#include "socks4/sockd_conf.h"

namespace socks4::conf {

// Whether `word` names a directive (any case).
bool is_directive(std::string_view word);

// "listen, timeout, ...": every directive name, for messages.
std::string directive_names();

// Which one-time directives were seen, and on which line (for "given twice" errors).
using DirectivesSeen = std::map<std::string, int>;

// Applies the directive at the cursor to `settings`. `line` is used for "given twice".
std::optional<LineError> parse_directive(TokenCursor& cursor, int line, DirectivesSeen& seen,
                                         ServerSettings& settings);

// "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address; port 0 means ephemeral.
// Returns what was expected on failure.
std::optional<std::string> parse_listen_address(std::string_view text, ListenAddress& out);

}  // namespace socks4::conf
