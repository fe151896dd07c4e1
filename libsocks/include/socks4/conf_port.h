// The port condition of a rule: `op port`, op one of eq neq lt gt le ge, port a number or a
// service name. The name lookup is injected (ServiceLookup) so parsing stays testable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "socks4/conf_lexer.h"

namespace socks4::conf {

enum class PortOp { kAny, kEq, kNeq, kLt, kGt, kLe, kGe };

// Maps a service name from a rule's port (`eq telnet`) to a TCP port. Injected so parsing stays
// pure; the default asks the system's services database (/etc/services) with getservbyname_r.
using ServiceLookup = std::optional<uint16_t> (*)(const std::string& name);
std::optional<uint16_t> lookup_tcp_service(const std::string& name);

// eq neq lt gt le ge, in any case; nullopt for anything else.
std::optional<PortOp> parse_port_op(std::string_view word);

// "eq", "neq", ... ("any" for kAny).
const char* to_string(PortOp op);

// Whether `port` satisfies `op rule_port`; kAny matches every port.
bool port_matches(PortOp op, uint16_t rule_port, uint16_t port);

// Reads "op port" at the cursor (the op is known to be there). Faults: kMissingPort, kBadPort.
std::optional<LineError> parse_port_condition(TokenCursor& cursor, ServiceLookup services,
                                              PortOp& op, uint16_t& port);

}  // namespace socks4::conf
