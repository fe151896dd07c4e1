// match(): the first rule whose every condition holds wins; no rule means deny.
#include "socks4/conf_lexer.h"
#include "socks4/conf_port.h"
#include "socks4/sockd_conf.h"

#include <algorithm>

namespace socks4::conf {
namespace {

std::string_view without_final_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return name;
}

// `pattern` is lower case: "example.com" matches only that name; ".example.com" matches
// example.com and every name below it.
bool name_matches(std::string_view pattern, std::string_view host) {
  host = without_final_dot(host);
  if (host.empty()) return false;
  if (pattern.front() != '.') return equals_ignore_case(pattern, host);
  std::string_view domain = pattern.substr(1);
  if (equals_ignore_case(domain, host)) return true;
  return host.size() > pattern.size() &&
         equals_ignore_case(pattern, host.substr(host.size() - pattern.size()));
}

// A name matches the 4a name as sent, never an address; an address matches the DSTIP or the
// resolved address under consideration, and an unresolved name only if it matches everything.
bool destination_matches(const Destination& destination, const MatchInput& input) {
  if (!destination.name.empty()) return name_matches(destination.name, input.destination_name);
  if (destination.address.matches_everything()) return true;
  return input.destination && destination.address.matches(*input.destination);
}

// The *= list names the client-sent USERID or, when identd answered, the identd user.
bool user_matches(const std::vector<std::string>& users, const MatchInput& input) {
  if (users.empty()) return true;
  auto listed = [&](const std::string& name) {
    return std::find(users.begin(), users.end(), name) != users.end();
  };
  return listed(input.user) || (!input.identd_user.empty() && listed(input.identd_user));
}

bool rule_matches(const Rule& rule, const MatchInput& input) {
  if (rule.command && *rule.command != input.command) return false;
  if (!rule.source.matches(input.source)) return false;
  if (rule.destination && !destination_matches(*rule.destination, input)) return false;
  if (!port_matches(rule.port_op, rule.port, input.destination_port)) return false;
  return user_matches(rule.users, input);
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
