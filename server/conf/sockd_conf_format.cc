// to_string(Rule): the canonical text of a rule, for `sockd -n` and log lines.
#include "socks4/conf_address.h"
#include "socks4/conf_port.h"
#include "socks4/sockd_conf.h"

namespace socks4::conf {
namespace {

const char* identd_letter(IdentdMode mode) {
  switch (mode) {
    case IdentdMode::kStrict:
      return "I";
    case IdentdMode::kLoose:
      return "i";
    case IdentdMode::kNone:
      return "n";
  }
  return "n";
}

std::string format_users(const std::vector<std::string>& users, size_t max_users) {
  std::string out = "*=";
  for (size_t i = 0; i < users.size(); ++i) {
    if (i == max_users) return out + ",...";
    if (i > 0) out += ",";
    out += users[i];
  }
  return out;
}

}  // namespace

std::string to_string(const Rule& rule, size_t max_users) {
  std::string out = rule.action == Action::kPermit ? "permit" : "deny";
  if (rule.command) out += *rule.command == Command::kConnect ? " connect" : " bind";
  if (rule.identd) out += std::string(" ?=") + identd_letter(*rule.identd);
  if (!rule.users.empty()) out += " " + format_users(rule.users, max_users);
  out += " " + format_address_mask(rule.source);
  if (rule.destination) {
    out += " " + (rule.destination->name.empty() ? format_address_mask(rule.destination->address)
                                                 : rule.destination->name);
  }
  if (rule.port_op != PortOp::kAny) {
    out += std::string(" ") + to_string(rule.port_op) + " " + std::to_string(rule.port);
  }
  if (!rule.shell_command.empty()) out += " : " + rule.shell_command;
  return out;
}

}  // namespace socks4::conf
