// match(): the first rule whose every condition holds wins; no rule means deny.
#include "sockd_conf.h"

#include <algorithm>

namespace socks4::conf {
namespace {

// The *= list names the client-sent USERID or, when identd answered, the identd user.
bool users_match(const std::vector<std::string>& users, const MatchInput& input) {
  return user_listed(users, input.user) ||
         (!input.identd_user.empty() && user_listed(users, input.identd_user));
}

bool rule_matches(const Rule& rule, const MatchInput& input) {
  if (rule.command && *rule.command != input.command) return false;
  if (!rule.source.matches(input.source)) return false;
  if (rule.destination && !destination_matches(rule.destination->address, rule.destination->name,
                                               input.destination, input.destination_name)) {
    return false;
  }
  if (!port_matches(rule.port_op, rule.port, input.destination_port)) return false;
  return users_match(rule.users, input);
}

}  // namespace

const Rule* match(const Config& config, const MatchInput& input) {
  for (const Rule& rule : config.rules) {
    if (rule_matches(rule, input)) return &rule;
  }
  return nullptr;
}

bool rules_look_at_destination_address(const Config& config) {
  return std::any_of(config.rules.begin(), config.rules.end(), [](const Rule& rule) {
    return rule.destination && rule.destination->name.empty() &&
           !rule.destination->address.matches_everything();
  });
}

}  // namespace socks4::conf
