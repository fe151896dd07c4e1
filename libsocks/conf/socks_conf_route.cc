// Routing decision over a parsed socks.conf: first matching line wins.
#include <algorithm>

#include "socks4/socks_conf.h"

namespace socks4::client {
namespace {

bool is_loopback(const RouteQuery& query) {
  if (query.ip && (*query.ip >> 24) == 127) return true;
  return query.name == "localhost" || query.name.ends_with(".localhost");
}

bool name_matches(const std::string& pattern, const std::string& name) {
  if (name.empty()) return false;
  if (pattern.front() != '.') return pattern == name;
  // ".example.com" matches example.com itself and every name below it.
  std::string_view bare(pattern);
  bare.remove_prefix(1);
  return name == bare || name.ends_with(pattern);
}

bool destination_matches(const RoutingRule& rule, const RouteQuery& query) {
  if (!rule.name.empty()) return name_matches(rule.name, query.name);
  if (rule.mask == 0) return true;  // matches anything, a name-only (4a) destination too
  return query.ip && (*query.ip & rule.mask) == (rule.address & rule.mask);
}

bool port_matches(const RoutingRule& rule, uint16_t port) {
  switch (rule.port_op) {
    case PortOp::kAny:
      return true;
    case PortOp::kEq:
      return port == rule.port;
    case PortOp::kNeq:
      return port != rule.port;
    case PortOp::kLt:
      return port < rule.port;
    case PortOp::kGt:
      return port > rule.port;
    case PortOp::kLe:
      return port <= rule.port;
    case PortOp::kGe:
      return port >= rule.port;
  }
  return false;
}

bool user_matches(const RoutingRule& rule, const std::string& user) {
  return rule.users.empty() ||
         std::find(rule.users.begin(), rule.users.end(), user) != rule.users.end();
}

bool rule_matches(const RoutingRule& rule, const RouteQuery& query) {
  return user_matches(rule, query.user) && destination_matches(rule, query) &&
         port_matches(rule, query.port);
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
