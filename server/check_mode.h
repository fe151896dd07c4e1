// `sockd -f FILE --check-request 'REQUEST'`: which rule a request would match and whether it
// would be permitted, like the original test_sockd_conf. REQUEST is
//
//   connect|bind USER SOURCE DESTINATION PORT [IDENTD_USER]
//
// USER is the USERID ("-" for an empty one); SOURCE the client's IPv4 or IPv6 address;
// DESTINATION an IPv4 or IPv6 address, a host name (a SOCKS 4a request), or
// NAME=ADDRESS[,ADDRESS...] (a 4a request whose name resolves to those addresses, in order:
// each is decided on its own, as sockd does, and the request is permitted if one is); PORT a
// number or a TCP service name; IDENTD_USER what the client's identd would say (without it,
// identd is taken not to answer). Addresses are normalised as the server does (::1 is
// 127.0.0.1). Parsing and formatting are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/sockd_conf.h"
#include "rule_verdict.h"

namespace sockd {

struct CheckRequestParse {
  // Set on success; its destination is the DSTIP, or the first of `resolved`.
  std::optional<socks4::conf::MatchInput> input;
  std::vector<socks4::IpAddress> resolved;  // NAME=ADDRESS,...: every address given
  std::string error;                        // what was wrong otherwise
};

CheckRequestParse parse_check_request(std::string_view text, socks4::conf::ServiceLookup services =
                                                                 &socks4::conf::lookup_tcp_service);

// The report, one item per line:
//   FILE:LINE: <the rule in canonical form>      or   no rule matches
//   identd: strict|loose (...)                    when the rule's identd mode is not none
//   command: <the expanded shell command>         when the verdict runs one
//   permit | deny | deny (92: ...) | deny (93: ...)
std::string format_check_report(const socks4::conf::Config& config, std::string_view file,
                                const socks4::conf::MatchInput& input, const RuleVerdict& verdict);

// Parses, decides and prints the report to stdout (a bad REQUEST to stderr): with several
// addresses, one report per address under a "NAME=ADDRESS:" line, then the overall
// permit/deny. Returns the exit status: 0 permit, 1 deny, 2 a bad REQUEST. A bare NAME is
// decided on the name alone, as sockd does before resolving it (with a note on stderr when
// some rule has an address destination, which only the resolved addresses can meet).
int run_check_request(const socks4::conf::Config& config, std::string_view file,
                      std::string_view text);

}  // namespace sockd
