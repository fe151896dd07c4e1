// One permit/deny line of sockd.conf, after the `: shell_cmd` part has been split off:
//   permit|deny [connect|bind] [?=I|i|n] [*=userlist] src [dst] [op port]
// where src is "addr mask" or "addr/len" and dst is that, a host name, or a .suffix.
#pragma once

#include "socks4/conf_lexer.h"
#include "socks4/sockd_conf.h"

namespace socks4::conf {

struct RuleSyntaxContext {
  FileReader reader = nullptr;       // for *= /path files
  ServiceLookup services = nullptr;  // for service names as ports
};

// Whether `word` begins a rule (permit or deny, any case).
bool is_rule_keyword(std::string_view word);

// Fills `rule` (all but line and shell_command) from the cursor, which stands on permit/deny.
std::optional<LineError> parse_rule(TokenCursor& cursor, const RuleSyntaxContext& context,
                                    Rule& rule);

// A destination host name or .suffix as a rule writes it: lower-cased, without a final dot.
// nullopt if it is not a valid DNS name.
std::optional<std::string> normalize_destination_name(std::string_view text);

}  // namespace socks4::conf
