// Where sockd's own outbound connection for a request goes: direct, through next-hop SOCKS
// servers, or nowhere. Pure: the session does the resolving and connecting. sockd.conf(5),
// "NEXT HOP".
//
// Without `outbound FILE` everything goes direct, except a 4a name sockd cannot resolve: that
// is passed on, unresolved, to the `next_hop` servers. With the file, its lines (the socks.conf
// grammar, first match wins, no match = deny, loopback direct unless a line names it) decide:
// a name line that matches is decided before any DNS (a `sockd` name line passes the name on
// unresolved), an address is decided by the address lines; `next_hop` is the server list of a
// `sockd` line without @=. The access rules have already permitted the request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/sockd_conf.h"
#include "endpoint.h"

namespace sockd {

enum class HopAction {
  kDirect,   // connect (or, for a name before resolving: resolve it here)
  kNextHop,  // ask `hops`, in order, for the destination
  kDeny,     // refused by the outbound file
};

struct OutboundRoute {
  HopAction action = HopAction::kDirect;
  std::vector<Endpoint> hops;  // kNextHop: IPv4 servers to try in order
  // For logs: "next_hop", "FILE line N" (kNextHop, kDeny), why when kDeny.
  std::string via;
};

// What sockd asks for, as the outbound routes see it.
struct OutboundQuery {
  std::string name;  // 4a HOSTNAME; empty for a plain request
  uint16_t port = 0;
  std::string user;  // the USERID sockd sends on (identd's user when identd named one)
};

// A 4a name before it is resolved: kNextHop when an outbound name line sends it to a server,
// kDeny when one denies it, kDirect when sockd should resolve it.
OutboundRoute route_name(const socks4::conf::Config& config, const OutboundQuery& query);

// A 4a name sockd could not resolve: kNextHop to the matching outbound line's servers or to
// `next_hop`, kDeny if an outbound line denies it, kDirect when there is nowhere to send it (the
// resolver's error stands).
OutboundRoute route_unresolved(const socks4::conf::Config& config, const OutboundQuery& query);

// An address (DSTIP, or what a 4a name resolved to; host byte order). nullopt: a name that
// resolved to IPv6 addresses only, which no line can name: the lines that match any
// destination decide.
OutboundRoute route_address(const socks4::conf::Config& config, std::optional<uint32_t> ip,
                            const OutboundQuery& query);

// For `sockd -r`: "route: direct", "route: next hop A:P[,B:Q] (WHY)", "route: denied by ...",
// or for a name not given with its addresses "route: resolved here; if it does not resolve: ...".
std::string describe_route(const socks4::conf::Config& config,
                           const socks4::conf::MatchInput& input);

// What becomes of a 4a name sockd cannot resolve, for the "no nameserver" warning: "are
// refused", "are passed on unresolved to next hop A:P (next_hop)", or the outbound file's say.
std::string unresolved_names_fate(const socks4::conf::Config& config);

}  // namespace sockd
