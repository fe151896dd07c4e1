#include "server_context.h"

#include "rule_verdict.h"

namespace sockd {

std::shared_ptr<const ActiveConfig> make_active_config(socks4::conf::Config config,
                                                       std::string source) {
  auto active = std::make_shared<ActiveConfig>();
  active->rules_need_resolved_address = socks4::conf::rules_look_at_destination_address(config);
  active->identd_may_be_needed = identd_may_be_needed(config);
  active->config = std::move(config);
  active->source = std::move(source);
  return active;
}

}  // namespace sockd
