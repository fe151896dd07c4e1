#include "rule_verdict.h"

#include <algorithm>

namespace sockd {

using socks4::ReplyCode;
using socks4::conf::IdentdMode;

bool identd_may_be_needed(const socks4::conf::Config& config) {
  if (config.settings.identd != IdentdMode::kNone) return true;
  return std::any_of(config.rules.begin(), config.rules.end(), [](const auto& rule) {
    return rule.identd && *rule.identd != IdentdMode::kNone;
  });
}

RuleVerdict decide(const socks4::conf::Config& config, const socks4::conf::MatchInput& input,
                   std::string_view identd_failure) {
  RuleVerdict verdict;
  if (input.destination) {
    if (auto range = socks4::never_allowed_destination(*input.destination)) {
      verdict.code = ReplyCode::kRejected;
      verdict.never_allowed = true;
      verdict.reason = "destination " + input.destination->to_string() + " is never allowed (" +
                       std::string(*range) + ")";
      return verdict;
    }
  }
  verdict.rule = socks4::conf::match(config, input);
  if (!verdict.rule) {
    verdict.code = ReplyCode::kRejected;
    verdict.reason = "no rule permits it";
    return verdict;
  }
  const auto& rule = *verdict.rule;
  const std::string line = "line " + std::to_string(rule.line);
  verdict.identd_mode = rule.identd.value_or(config.settings.identd);
  const bool identd_named_user = !input.identd_user.empty();
  if (verdict.identd_mode == IdentdMode::kStrict && !identd_named_user) {
    verdict.code = ReplyCode::kNoIdentd;
    verdict.reason =
        "no user from identd: " + std::string(identd_failure) + "; strict identd, " + line;
  } else if (verdict.identd_mode != IdentdMode::kNone && identd_named_user &&
             input.identd_user != input.user) {
    verdict.code = ReplyCode::kIdentMismatch;
    verdict.reason = "identd reports another user; " + line;
  } else if (rule.action == socks4::conf::Action::kDeny) {
    verdict.code = ReplyCode::kRejected;
    verdict.reason = "denied by rule, " + line;
  }
  return verdict;
}

const std::string& command_for(const socks4::conf::Config& config, const RuleVerdict& verdict,
                               std::string* what) {
  static const std::string kNone;
  if (verdict.code == ReplyCode::kNoIdentd) {
    *what = "#NO_IDENTD:";
    return config.no_identd_command;
  }
  if (verdict.code == ReplyCode::kIdentMismatch) {
    *what = "#BAD_ID:";
    return config.bad_id_command;
  }
  if (!verdict.rule) return kNone;
  *what = "rule line " + std::to_string(verdict.rule->line);
  return verdict.rule->shell_command;
}

}  // namespace sockd
