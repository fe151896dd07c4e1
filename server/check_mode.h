// `sockd -f FILE --check-request 'REQUEST'`: which rule a request would match and whether it
// would be permitted, like the original test_sockd_conf. REQUEST is
//
//   connect|bind USER SOURCE DESTINATION PORT [IDENTD_USER]
//
// USER is the USERID ("-" for an empty one); SOURCE the client's IPv4 address; DESTINATION an
// IPv4 address, a host name (a SOCKS 4a request), or NAME=ADDRESS (a 4a request whose name
// resolves to ADDRESS); PORT a number or a TCP service name; IDENTD_USER what the client's
// identd would say (without it, identd is taken not to answer). Parsing and formatting are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rule_verdict.h"
#include "socks4/sockd_conf.h"

namespace sockd {

struct CheckRequestParse {
  std::optional<socks4::conf::MatchInput> input;  // set on success
  std::string error;                              // what was wrong otherwise
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

// Parses, decides and prints the report to stdout (a bad REQUEST to stderr). Returns the exit
// status: 0 permit, 1 deny, 2 a bad REQUEST.
int run_check_request(const socks4::conf::Config& config, std::string_view file,
                      std::string_view text);

}  // namespace sockd
