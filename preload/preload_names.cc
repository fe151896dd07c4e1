// Fake addresses for remote names (see preload_names.h).
#include "preload_names.h"

#include <atomic>

#include "preload_settings.h"
#include "socks4/client_context.h"
#include "socks4/client_log.h"

namespace socks4::preload {

FakeNames* fake_names() {
  // Deliberately never unmapped: threads may still resolve while the process exits.
  static FakeNames* const table = FakeNames::create().release();
  return table;
}

std::optional<uint32_t> remote_address_for(const char* name) {
  if (name == nullptr || always_local_name(name) || !socks_configured()) return std::nullopt;
  FakeNames* table = fake_names();
  if (table == nullptr) return std::nullopt;
  std::optional<uint32_t> ip = table->assign(name);
  if (!ip && !normalize_fake_name(name).empty()) {
    static std::atomic<bool> reported{false};
    if (!reported.exchange(true)) {
      client::error_log("remote-name table full (%zu names): new remote names fail",
                        table->capacity());
    }
  }
  return ip;
}

bool conf_sends_name_through_server(const char* name) {
  std::shared_ptr<const client::ClientContext> ctx = client::context();
  if (!ctx->config) return false;
  client::RouteQuery query;
  query.name = normalize_fake_name(name);
  query.user = ctx->env.username;
  client::RouteDecision decision = client::route(ctx->config, ctx->default_servers, query);
  return decision.action == client::RouteAction::kSockd && decision.rule != nullptr &&
         !decision.rule->name.empty();
}

std::optional<std::string> remote_name_of(uint32_t ip) {
  if (!is_fake_address(ip)) return std::nullopt;
  FakeNames* table = fake_names();
  return table != nullptr ? table->name_of(ip) : std::nullopt;
}

}  // namespace socks4::preload
