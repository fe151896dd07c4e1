// socks.conf: the client's routing rules. Pure: text in, model out; routing is a pure function
// too. Compatible with NEC/CSTC socks.conf files:
//
//   deny   [*=userlist] dst_addr dst_mask [op dst_port] [: shell_cmd]
//   direct [*=userlist] dst_addr dst_mask [op dst_port] [: shell_cmd]
//   sockd  [@=serverlist] [*=userlist] dst_addr dst_mask [op dst_port] [: shell_cmd]
//
// Extensions (old lines stay valid): CIDR `10.0.0.0/8` in place of "addr mask", and a host name
// (`example.com`) or domain suffix (`.example.com`) as destination, which matches destinations
// known by name (4a); a dotted mask after a name is accepted and ignored, as the original did.
// The pieces of a line (addresses, ports, user lists, names, the `:` tail) are the NEC line
// syntax shared with sockd.conf (conf_*.h); an IPv6 destination is refused, since SOCKS 4
// cannot carry one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socks4/conf_lexer.h"
#include "socks4/conf_port.h"
#include "socks4/conf_users.h"
#include "socks4/socks_conf_servers.h"

namespace socks4::client {

enum class RouteAction { kDeny, kDirect, kSockd };
using conf::PortOp;

// Bounds on what a file may hold; going over one is a diagnostic.
inline constexpr size_t kMaxConfLineLength = 4096;
inline constexpr size_t kMaxConfRules = 10000;
inline constexpr size_t kMaxConfFileBytes = 4 << 20;
using conf::kMaxUsersPerRule;
inline constexpr size_t kMaxConfDiagnostics = 100;

struct RoutingRule {
  RouteAction action = RouteAction::kDeny;
  std::vector<ServerAddress> servers;  // @= list; empty means the default servers
  std::vector<std::string> users;      // *= names (files expanded); empty = every user
  uint32_t address = 0;                // host byte order; used when `name` is empty
  uint32_t mask = 0;                   // 1 bits must match; 0.0.0.0 matches anything
  std::string name;                    // lower case; leading '.' for a suffix
  PortOp port_op = PortOp::kAny;
  uint16_t port = 0;
  std::string shell_command;  // after ':', unexpanded; empty if none
  int line = 0;               // 1-based, for SOCKS_DEBUG traces
};

struct RoutingConfig {
  std::vector<RoutingRule> rules;  // in file order; first match wins; no match = deny
  bool syslog = false;             // a `syslog` line: as SOCKS_SYSLOG=1 (client_syslog.h)
};

using ConfDiagnostic = conf::Diagnostic;  // "FILE:LINE:COLUMN: MESSAGE"

struct ConfParse {
  std::optional<RoutingConfig> config;  // set when there were no errors
  std::vector<ConfDiagnostic> errors;
};

// Injected so parsing stays pure. A reader returns nullopt when the file cannot be read; a
// service lookup returns the port (host order) of a TCP service name, or nullopt.
using ConfFileReader = conf::FileReader;
using conf::lookup_tcp_service;  // /etc/services
using conf::ServiceLookup;
std::optional<std::string> read_conf_file(const std::string& path);  // bounded by kMaxConfFileBytes

ConfParse parse_socks_conf(std::string_view text, std::string_view file_name,
                           ConfFileReader reader = &read_conf_file,
                           ServiceLookup services = &lookup_tcp_service);

// A destination as the routing sees it: an address, a name (4a), or both.
struct RouteQuery {
  std::optional<uint32_t> ip;  // host byte order
  std::string name;            // empty when only the address is known
  uint16_t port = 0;
  std::string user;
};

struct RouteDecision {
  RouteAction action = RouteAction::kDirect;
  std::vector<ServerAddress> servers;  // for kSockd: the servers to try, in order
  const RoutingRule* rule = nullptr;   // the matching line, if any
  const char* reason = "";             // why, for SOCKS_DEBUG
};

// Decides the route. `config` is nullopt when there is no socks.conf; `default_servers` is
// SOCKS_SERVER. Loopback destinations go direct, unless a line names a loopback address
// explicitly (its mask covers at least 255.0.0.0 inside 127.0.0.0/8): catch-all lines never
// send loopback traffic to a server; without a config everything goes
// through the default servers, or direct when there are none. A sockd line without @= uses
// the default servers; if there are none the decision is deny.
RouteDecision route(const std::optional<RoutingConfig>& config,
                    const std::vector<ServerAddress>& default_servers, const RouteQuery& query);

}  // namespace socks4::client
