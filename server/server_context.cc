#include "server_context.h"

#include <algorithm>

#include "rule_verdict.h"

namespace sockd {

std::shared_ptr<const ActiveConfig> make_active_config(socks4::conf::Config config,
                                                       std::string source) {
  auto active = std::make_shared<ActiveConfig>();
  active->rules_need_resolved_address =
      std::any_of(config.rules.begin(), config.rules.end(), [](const socks4::conf::Rule& rule) {
        return rule.destination && rule.destination->name.empty() &&
               rule.destination->address.mask != 0;
      });
  active->identd_may_be_needed = identd_may_be_needed(config);
  active->config = std::move(config);
  active->source = std::move(source);
  return active;
}

}  // namespace sockd
