#include "server_context.h"

#include <sys/resource.h>

#include <algorithm>
#include <climits>

#include "rule_verdict.h"

namespace sockd {
namespace {

// `auto` is this share of the descriptor limit: a relay takes two descriptors, so one address
// holds at most half of them with its connections, and an eighth with unfinished requests.
constexpr rlim_t kConnectionsShare = 4;
constexpr rlim_t kNegotiationsShare = 8;

int effective_limit(int configured, rlim_t share) {
  if (configured != socks4::conf::kAutoLimit) return configured;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<int>(std::clamp<rlim_t>(limit.rlim_cur / share, 1, INT_MAX));
}

}  // namespace

std::shared_ptr<const ActiveConfig> make_active_config(socks4::conf::Config config,
                                                       std::string source) {
  auto active = std::make_shared<ActiveConfig>();
  active->rules_need_resolved_address = socks4::conf::rules_look_at_destination_address(config);
  active->identd_may_be_needed = identd_may_be_needed(config);
  active->connections_per_source =
      effective_limit(config.settings.max_connections_per_source, kConnectionsShare);
  active->negotiations_per_source =
      effective_limit(config.settings.max_negotiations_per_source, kNegotiationsShare);
  active->config = std::move(config);
  active->source = std::move(source);
  return active;
}

}  // namespace sockd
