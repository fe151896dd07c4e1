// The one remote-name table of the library and the preload, and the routing questions asked
// about names (see client_names.h).
#include "socks4/client_names.h"

#include <atomic>
#include <memory>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/fake_names.h"

namespace socks4::client {
namespace {

// Created on first use (the preload maps it at load, before the program can fork); shared with
// forked children (a shared mapping). Deliberately never unmapped: threads may still resolve
// while the process exits.
FakeNames* table() {
  static FakeNames* const names = FakeNames::create().release();
  return names;
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

void map_remote_names() {
  table();
}

std::optional<uint32_t> fake_address_for(const std::string& name) {
  FakeNames* names = table();
  if (names == nullptr) return std::nullopt;
  std::optional<uint32_t> ip = names->assign(name);
  if (!ip && !normalize_fake_name(name).empty()) {
    static std::atomic<bool> reported{false};
    if (!reported.exchange(true)) {
      error_log("remote-name table full (%zu names): new remote names fail", names->capacity());
    }
  }
  return ip;
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
