// Routing decision over a parsed socks.conf: first matching line wins.
#include "socks4/conf_destination.h"
#include "socks4/socks_conf.h"

namespace socks4::client {
namespace {

bool is_loopback(const RouteQuery& query) {
  if (query.ip && (*query.ip >> 24) == 127) return true;
  return query.name == "localhost" || query.name.ends_with(".localhost");
}

bool destination_matches(const RoutingRule& rule, const RouteQuery& query) {
  const std::optional<IpAddress> ip =
      query.ip ? std::optional<IpAddress>(IpAddress::ipv4(*query.ip)) : std::nullopt;
  return conf::destination_matches({rule.address, rule.mask}, rule.name, ip, query.name);
}

bool rule_matches(const RoutingRule& rule, const RouteQuery& query) {
  return conf::user_listed(rule.users, query.user) && destination_matches(rule, query) &&
         conf::port_matches(rule.port_op, rule.port, query.port);
}

// An address rule confined to 127.0.0.0/8 (at least a /8 mask inside it).
bool names_loopback(const RoutingRule& rule) {
  return rule.name.empty() && (rule.mask >> 24) == 0xff && (rule.address >> 24) == 127;
}

RouteDecision decide(const RoutingRule& rule, const std::vector<ServerAddress>& default_servers) {
  RouteDecision decision;
  decision.rule = &rule;
  decision.action = rule.action;
  decision.reason = "matched";
  if (rule.action == RouteAction::kSockd) {
    decision.servers = rule.servers.empty() ? default_servers : rule.servers;
    if (decision.servers.empty()) {
      decision.action = RouteAction::kDeny;
      decision.reason = "sockd line without @= and no SOCKS_SERVER";
    }
  }
  return decision;
}

}  // namespace

RouteDecision route(const std::optional<RoutingConfig>& config,
                    const std::vector<ServerAddress>& default_servers, const RouteQuery& query) {
  RouteDecision decision;
  if (is_loopback(query)) {
    // Catch-all lines never capture loopback; only a line naming a loopback address does.
    if (config) {
      for (const RoutingRule& rule : config->rules) {
        if (names_loopback(rule) && rule_matches(rule, query)) return decide(rule, default_servers);
      }
    }
    decision.reason = "loopback is always direct";
    return decision;
  }
  if (!config) {
    if (default_servers.empty()) {
      decision.reason = "no socks.conf and no SOCKS_SERVER";
    } else {
      decision.action = RouteAction::kSockd;
      decision.servers = default_servers;
      decision.reason = "no socks.conf: SOCKS_SERVER";
    }
    return decision;
  }
  for (const RoutingRule& rule : config->rules) {
    if (rule_matches(rule, query)) return decide(rule, default_servers);
  }
  decision.action = RouteAction::kDeny;
  decision.reason = "no line matched";
  return decision;
}

}  // namespace socks4::client
