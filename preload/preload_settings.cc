// Reading the preload's settings (see preload_settings.h).
#include "preload_settings.h"

#include <cstdlib>
#include <string>

#include "socks4/client_context.h"
#include "socks4/client_log.h"

namespace socks4::preload {
namespace {

template <typename Value, typename Parse>
Value read_variable(const char* name, Value fallback, Parse parse, const char* allowed) {
  const char* text = secure_getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  if (auto parsed = parse(text)) return *parsed;
  client::error_log("%s=%s is not one of %s; using the default", name, text, allowed);
  return fallback;
}

Settings read_settings() {
  Settings s;
  s.resolve =
      read_variable("SOCKS_RESOLVE", s.resolve, parse_resolve_mode, "fallback, remote, local");
  s.ipv6 = read_variable("SOCKS_IPV6", s.ipv6, parse_uncarried_policy, "direct, refuse");
  s.udp = read_variable("SOCKS_UDP", s.ipv6, parse_uncarried_policy, "direct, refuse");
  return s;
}

}  // namespace

const Settings& settings() {
  static const Settings once = read_settings();
  return once;
}

bool socks_configured() {
  std::shared_ptr<const client::ClientContext> ctx = client::context();
  // Unusable settings: names must not be looked up here for want of a server; their
  // fake addresses lead to refused connects.
  if (!ctx->refusal.empty()) return true;
  if (!ctx->default_servers.empty()) return true;
  if (!ctx->config) return false;
  for (const client::RoutingRule& rule : ctx->config->rules) {
    if (rule.action == client::RouteAction::kSockd && !rule.servers.empty()) return true;
  }
  return false;
}

}  // namespace socks4::preload
