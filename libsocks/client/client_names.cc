// The placeholder table of libsocks and the routing questions asked about names (see
// client_names.h).
#include "socks4/client_names.h"

#include <memory>
#include <mutex>

#include "socks4/client_context.h"
#include "socks4/fake_names.h"

namespace socks4::client {
namespace {

// Created on first use; shared with forked children (FakeNames is a shared mapping).
FakeNames* table() {
  static std::once_flag once;
  static std::unique_ptr<FakeNames> names;
  std::call_once(once, [] { names = FakeNames::create(); });
  return names.get();
}

RouteDecision route_name(const std::string& name) {
  std::shared_ptr<const ClientContext> ctx = context();
  RouteQuery query;
  query.name = normalize_fake_name(name);
  query.user = ctx->env.username;
  if (query.name.empty()) return RouteDecision{RouteAction::kDeny, {}, nullptr, "bad name"};
  return route(ctx->config, ctx->default_servers, query);
}

}  // namespace

std::optional<uint32_t> remote_name_address(const std::string& name) {
  FakeNames* names = table();
  return names != nullptr ? names->assign(name) : std::nullopt;
}

std::optional<std::string> remote_name_of(uint32_t ip) {
  if (!is_fake_address(ip)) return std::nullopt;
  FakeNames* names = table();
  return names != nullptr ? names->name_of(ip) : std::nullopt;
}

bool name_routed_by_conf(const std::string& name) {
  RouteDecision decision = route_name(name);
  return decision.action == RouteAction::kSockd && decision.rule != nullptr &&
         !decision.rule->name.empty();
}

bool name_may_go_through_server(const std::string& name) {
  return route_name(name).action == RouteAction::kSockd;
}

}  // namespace socks4::client
