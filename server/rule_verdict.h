// What the rules say about a request for one destination, identd included (sockd.conf(5),
// IDENTD and "HOW A REQUEST IS MATCHED"; docs/ARCHITECTURE.md, "Rules and admission"): the
// first matching rule decides; with that rule's identd mode (its ?= or the global one), strict
// and no user from identd means 92, and loose or strict with identd naming another user than
// USERID means 93. Pure, shared by the admission step (admission.h) and by check mode.
#pragma once

#include <string>
#include <string_view>

#include "conf/sockd_conf.h"
#include "socks4/proto.h"

namespace sockd {

struct RuleVerdict {
  const socks4::conf::Rule* rule = nullptr;  // the matching rule; nullptr: none matched
  socks4::ReplyCode code = socks4::ReplyCode::kGranted;
  std::string reason;  // why not granted, for the log line; empty when granted
  socks4::conf::IdentdMode identd_mode = socks4::conf::IdentdMode::kNone;  // in effect
  // The destination is one no rule may permit (socks4::never_allowed_destination); no rule
  // was consulted.
  bool never_allowed = false;

  bool permitted() const { return code == socks4::ReplyCode::kGranted; }
};

// Whether some request might need identd: the global mode is not none or a rule has ?=I or ?=i.
bool identd_may_be_needed(const socks4::conf::Config& config);

// A destination that is never allowed is refused (91) before the rules are read.
// `input.identd_user` is the user identd named (empty if it was not asked, did not answer or
// answered ERROR); `identd_failure` says why there is no such user, for the reason text.
RuleVerdict decide(const socks4::conf::Config& config, const socks4::conf::MatchInput& input,
                   std::string_view identd_failure);

// The command the verdict calls for: #NO_IDENTD: for 92, #BAD_ID: for 93, else the matching
// rule's own; empty if none. `what` receives its name for log lines.
const std::string& command_for(const socks4::conf::Config& config, const RuleVerdict& verdict,
                               std::string* what);

}  // namespace sockd
