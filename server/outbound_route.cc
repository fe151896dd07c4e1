// The outbound routes as the client library decides them (libsocks/conf/socks_conf_route.cc),
// with `next_hop` as the default servers; sockd only adds which of its steps asks.
#include "outbound_route.h"

#include "socks4/conf_address.h"

namespace sockd {
namespace {

using socks4::client::RouteAction;
using socks4::client::RouteDecision;
using socks4::client::RouteQuery;

std::vector<Endpoint> endpoints_of(const std::vector<socks4::client::ServerAddress>& servers) {
  std::vector<Endpoint> hops;
  for (const auto& server : servers) {
    // The parser admitted IPv4 literals only (next_hop, @= of the outbound file).
    if (auto ip = socks4::conf::parse_ipv4(server.host))
      hops.push_back(Endpoint::ipv4(*ip, server.port));
  }
  return hops;
}

std::string line_of(const socks4::conf::Config& config, const RouteDecision& decision) {
  return config.settings.outbound_file + " line " + std::to_string(decision.rule->line);
}

// The decision of the outbound file as an OutboundRoute.
OutboundRoute from_decision(const socks4::conf::Config& config, const RouteDecision& decision) {
  OutboundRoute route;
  switch (decision.action) {
    case RouteAction::kDirect:
      return route;
    case RouteAction::kSockd:
      route.action = HopAction::kNextHop;
      route.hops = endpoints_of(decision.servers);
      route.via = line_of(config, decision);
      return route;
    case RouteAction::kDeny:
      route.action = HopAction::kDeny;
      route.via = "denied by outbound ";
      if (!decision.rule) {
        route.via += config.settings.outbound_file + ": no line matched";
      } else {
        route.via += line_of(config, decision);
        if (decision.rule->action == RouteAction::kSockd)
          route.via += ": sockd line without @= and no next_hop";
      }
      return route;
  }
  return route;
}

RouteDecision decide(const socks4::conf::Config& config, std::optional<uint32_t> ip,
                     const OutboundQuery& query) {
  return socks4::client::route(config.outbound, config.settings.next_hop,
                               RouteQuery{ip, query.name, query.port, query.user});
}

OutboundRoute to_next_hop(const socks4::conf::Config& config) {
  OutboundRoute route;
  if (config.settings.next_hop.empty()) return route;  // nowhere to send it
  route.action = HopAction::kNextHop;
  route.hops = endpoints_of(config.settings.next_hop);
  route.via = "next_hop";
  return route;
}

}  // namespace

OutboundRoute route_name(const socks4::conf::Config& config, const OutboundQuery& query) {
  if (!config.outbound) return {};
  const RouteDecision decision = decide(config, std::nullopt, query);
  // Only a line that names the destination decides before DNS; an address line (a catch-all
  // included) waits for the addresses.
  if (!decision.rule || decision.rule->name.empty()) return {};
  return from_decision(config, decision);
}

OutboundRoute route_unresolved(const socks4::conf::Config& config, const OutboundQuery& query) {
  if (!config.outbound) return to_next_hop(config);
  const RouteDecision decision = decide(config, std::nullopt, query);
  // A direct line, or none, cannot connect a name nobody resolved: next_hop may.
  if (decision.action == RouteAction::kSockd ||
      (decision.action == RouteAction::kDeny && decision.rule)) {
    return from_decision(config, decision);
  }
  return to_next_hop(config);
}

OutboundRoute route_address(const socks4::conf::Config& config, std::optional<uint32_t> ip,
                            const OutboundQuery& query) {
  if (!config.outbound) return {};
  return from_decision(config, decide(config, ip, query));
}

namespace {

std::string route_text(const OutboundRoute& route, const char* if_direct) {
  if (route.action == HopAction::kDeny) return route.via;
  if (route.action == HopAction::kDirect) return if_direct;
  std::string text = "next hop ";
  for (size_t i = 0; i < route.hops.size(); ++i) text += (i ? "," : "") + route.hops[i].to_string();
  return text + " (" + route.via + ")";
}

}  // namespace

std::string describe_route(const socks4::conf::Config& config,
                           const socks4::conf::MatchInput& input) {
  const OutboundQuery query{input.destination_name, input.destination_port,
                            input.identd_user.empty() ? input.user : input.identd_user};
  if (input.destination) {
    // IPv6: no line names it, the catch-all lines decide.
    const std::optional<uint32_t> ip =
        input.destination->is_ipv6 ? std::nullopt
                                   : std::optional<uint32_t>(input.destination->ipv4_host_order());
    return "route: " + route_text(route_address(config, ip, query), "direct");
  }
  const OutboundRoute by_name = route_name(config, query);
  if (by_name.action != HopAction::kDirect) return "route: " + route_text(by_name, "");
  return "route: resolved here; if it does not resolve: " +
         route_text(route_unresolved(config, query), "refused");
}

std::string unresolved_names_fate(const socks4::conf::Config& config) {
  const OutboundRoute fallback = to_next_hop(config);
  const std::string otherwise = fallback.action == HopAction::kNextHop
                                    ? "passed on unresolved to " + route_text(fallback, "")
                                    : "refused";
  if (!config.outbound) return "are " + otherwise;
  return "are passed on unresolved where a sockd line of " + config.settings.outbound_file +
         " sends them, denied where a line denies them, otherwise " + otherwise;
}

}  // namespace sockd
