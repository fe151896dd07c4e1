// sockd.conf: the server's access rules and directives. Pure: text in, model out; matching is a
// pure function too. Compatible with NEC/CSTC sockd.conf files:
//
//   permit|deny [?=I|i|n] [*=userlist] src_addr src_mask [dst_addr dst_mask] [op dst_port]
//               [: shell_cmd]
//   #NO_IDENTD: shell_cmd
//   #BAD_ID: shell_cmd
//
// Extensions (old lines stay valid): CIDR addresses (10.0.0.0/8, in place of "addr mask"), a
// command qualifier (`permit connect ...`, `deny bind ...`), destinations given as a host name
// or `.suffix` for 4a requests, and directives for the daemon itself (see ServerSettings).
// The pieces of a rule line (addresses, ports, user lists, names, the `:` tail) are the NEC
// line syntax shared with socks.conf (libsocks/include/socks4/conf_*.h); this grammar adds the
// permit/deny rule, the directives and the special #NO_IDENTD:/#BAD_ID: lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "socks4/conf_address.h"
#include "socks4/conf_destination.h"
#include "socks4/conf_lexer.h"
#include "socks4/conf_port.h"
#include "socks4/conf_users.h"
#include "socks4/ip_address.h"
#include "socks4/proto.h"
#include "socks4/socks_conf.h"

namespace socks4::conf {

enum class Action { kPermit, kDeny };
enum class IdentdMode { kNone, kLoose, kStrict };  // n / i / I

struct Rule {
  Action action = Action::kDeny;
  std::optional<Command> command;    // nullopt: both CONNECT and BIND
  std::optional<IdentdMode> identd;  // ?= override of the global mode
  std::vector<std::string> users;    // *= names (files already expanded); empty = any
  AddressMask source;
  std::optional<Destination> destination;  // nullopt: any destination
  PortOp port_op = PortOp::kAny;
  uint16_t port = 0;
  std::string shell_command;  // after ':', unexpanded; empty if none
  int line = 0;               // 1-based line in the file, for logs and check mode
};

struct ListenAddress {
  std::string host;  // numeric IPv4 or IPv6 (no brackets)
  uint16_t port = 1080;
  // The connections start with a PROXY protocol header (v1 or v2) from a load balancer in
  // proxy_from; rules, identd, limits and logs then see the client address it reports.
  bool proxy_protocol = false;
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// auto: stderr in the foreground, else syslog; file: log_file.
enum class LogTarget { kAuto, kStderr, kSyslog, kFile };
// text: "sockd[PID]: ..." lines; json: one JSON object per line (sockd(8), LOGGING).
enum class LogFormat { kText, kJson };

// Directives (one per line, a keyword then values), all optional:
//   listen ADDR[:PORT] [proxy_protocol]  repeatable; IPv6 as [addr]:port; default
//                                 127.0.0.1:1080; proxy_protocol: clients come through a load
//                                 balancer that sends a PROXY header (needs proxy_from)
//   proxy_from CIDR...            repeatable; the load balancers a proxy_protocol listener takes
//                                 connections from (10.0.0.0/8, [2001:db8::]/32)
//   timeout negotiate SECONDS     complete the request within this (default 30)
//   timeout connect SECONDS       outbound/inbound establishment limit (default 120)
//   timeout idle SECONDS          close a relay idle this long; 0 = never (default 0)
//   timeout identd SECONDS        wait this long for the client's identd (default 10)
//   timeout shell SECONDS         kill a rule's shell command still running after this (60)
//   identd none|loose|strict      global identd mode (default none)
//   log stderr|syslog [FACILITY]|PATH  (default: stderr in the foreground, syslog daemon
//                                 otherwise); PATH: append to that file, reopened on SIGUSR1
//   log_format text|json          one line of text, or one JSON object, per event (text)
//   user NAME                     drop privileges to NAME after binding
//   threads N                     event-loop threads; 0 = one per core (default 0)
//   resolv_conf PATH              resolver configuration for 4a names (default /etc/resolv.conf)
//   hosts_file PATH               hosts file for 4a names (default /etc/hosts)
//   max_connections N             clients held at once; 0 = bounded only by descriptors
//   bind_requires_connect yes|no  grant BIND only while the client holds a CONNECT to the BIND's
//                                 DSTIP through this sockd (default yes)
//   max_connections_per_source N|auto   clients held at once per client address; 0 = no limit;
//                                 auto (default) = a quarter of the descriptor limit
//   max_negotiations_per_source N|auto  clients per address whose request is not complete yet;
//                                 0 = no limit; auto (default) = an eighth of the descriptor limit
//   max_binds_per_connection N    BINDs waiting for their inbound connection per client address
//                                 and DSTIP (the primary connection); 0 = no limit (default 4)
//   max_binds_per_source N        BINDs waiting per client address; 0 = no limit (default 32)
//   next_hop HOST:PORT[,...]      SOCKS servers (IPv4 literals) a 4a name sockd cannot resolve
//                                 is passed on to, unresolved, tried in order (none)
//   outbound PATH                 sockd's own outbound connections routed by a file in the
//                                 socks.conf grammar (socks.conf(5)); read again on SIGHUP
//   stats ADDR:PORT               repeatable; serve /metrics, /status.json and / there (off)
//   stats_allow CIDR...           who may read the stats listener (repeatable); without it,
//                                 loopback clients only, and only a loopback `stats` is allowed
inline constexpr int kAutoLimit = -1;  // a per-source limit derived from the descriptor limit

struct ServerSettings {
  std::vector<ListenAddress> listen;  // empty: the built-in default 127.0.0.1:1080
  int negotiate_timeout_s = 30;
  int connect_timeout_s = 120;
  int idle_timeout_s = 0;
  int identd_timeout_s = 10;
  int shell_timeout_s = 60;
  IdentdMode identd = IdentdMode::kNone;
  LogTarget log = LogTarget::kAuto;
  std::string syslog_facility = "daemon";
  std::string log_file;  // absolute; with LogTarget::kFile
  LogFormat log_format = LogFormat::kText;
  std::string user;
  int threads = 0;
  std::string resolv_conf = "/etc/resolv.conf";
  std::string hosts_file = "/etc/hosts";
  int max_connections = 0;
  bool bind_requires_connect = true;
  int max_connections_per_source = kAutoLimit;
  int max_negotiations_per_source = kAutoLimit;
  int max_binds_per_connection = 4;
  int max_binds_per_source = 32;
  std::vector<AddressMask> proxy_from;
  std::vector<socks4::client::ServerAddress> next_hop;  // in order; empty: none
  std::string outbound_file;                            // absolute; empty: none
  std::vector<ListenAddress> stats;      // empty: no stats listener
  std::vector<AddressMask> stats_allow;  // empty: loopback clients only
};

struct Config {
  ServerSettings settings;
  std::vector<Rule> rules;        // in file order; first match wins; no match = deny
  std::string no_identd_command;  // #NO_IDENTD:
  std::string bad_id_command;     // #BAD_ID:
  // The routes of `outbound FILE`, parsed with the config (every @= server an IPv4 literal).
  std::optional<socks4::client::RoutingConfig> outbound;
};

// The config used when sockd runs without a file: listen on 127.0.0.1:1080 and permit only
// loopback clients, so a default sockd is never an open proxy.
Config default_config();

using ParseDiagnostic = Diagnostic;  // "FILE:LINE:COLUMN: MESSAGE"

struct ParseOutcome {
  std::optional<Config> config;  // set when there were no errors
  std::vector<ParseDiagnostic> errors;
};

// Bounds on what a config may hold (a line or file over a limit is a diagnostic).
inline constexpr size_t kMaxLineLength = 4096;     // bytes per line, without the newline
inline constexpr size_t kMaxRules = 10000;         // permit/deny lines per file
inline constexpr size_t kMaxFileBytes = 16 << 20;  // read_file refuses larger files
inline constexpr size_t kMaxDiagnostics = 100;     // parsing goes on, reporting stops
// Per *= list: kMaxUsersPerRule names, kMaxUserFileBytes per file (conf_users.h).

// Returns nullopt (errno set) if the file cannot be read or is larger than kMaxFileBytes.
// The default FileReader (conf_users.h) of the parser, for the config and *= /path files.
std::optional<std::string> read_file(const std::string& path);

// Parses the text of a sockd.conf. `file_name` is only used in diagnostics.
ParseOutcome parse(std::string_view text, std::string_view file_name,
                   FileReader reader = &read_file, ServiceLookup services = &lookup_tcp_service);

// Reads (with `reader`) and parses a file; a missing file is a diagnostic too.
ParseOutcome parse_file(const std::string& path, FileReader reader = &read_file,
                        ServiceLookup services = &lookup_tcp_service);

// What a request looks like to the rules (sockd.conf(5), "How a request is matched").
struct MatchInput {
  Command command = Command::kConnect;
  IpAddress source;  // the client's address
  // DSTIP, or the resolved address of a 4a name being considered; nullopt while a 4a name is
  // not resolved (then only rules without an address destination can match).
  std::optional<IpAddress> destination;
  std::string destination_name;  // 4a HOSTNAME, empty otherwise
  uint16_t destination_port = 0;
  std::string user;         // USERID the client sent
  std::string identd_user;  // what identd said; empty if not asked or no answer
};

// The first matching rule, or nullptr (which means deny).
const Rule* match(const Config& config, const MatchInput& input);

// Whether some rule's destination is an address that does not match everything: then a 4a
// name must be resolved before the rules can decide (each of its addresses on its own).
bool rules_look_at_destination_address(const Config& config);

// A rule in canonical sockd.conf syntax, for check mode and log lines, e.g.
//   permit connect ?=I *=alice,bob 10.0.0.0/8 .example.com ge 1024 : cmd
// Parsing it again gives the same rule. Addresses with a contiguous mask are written as CIDR;
// a user list longer than `max_users` names is cut short with ",..." (which does not re-parse).
std::string to_string(const Rule& rule, size_t max_users = 8);

}  // namespace socks4::conf
