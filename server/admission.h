// Whether sockd admits a request, and where it may go: the rules (rule_verdict.h) applied to
// a request, once identd (if asked) has answered, as sockd.conf(5) "HOW A REQUEST IS MATCHED"
// and "SHELL COMMANDS" say. Pure: the session does the I/O (resolving, connecting, running
// the command). docs/ARCHITECTURE.md, "Rules and admission".
//
// A plain SOCKS 4 request is decided by its DSTIP. A 4a request is decided by each address its
// name resolves to, on its own, in the resolver's order; when no rule looks at destination
// addresses, its name alone is decided first, before any DNS query. At most one shell command
// runs per request: the first permit's, or if nothing is permitted the first denial's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "endpoint.h"
#include "identd_query.h"
#include "rule_verdict.h"
#include "socks4/proto.h"
#include "conf/sockd_conf.h"

namespace sockd {

// The request as the rules see it (with no destination yet), and why identd named no user.
// Each admit_* step takes its own, and sets its destination as it goes.
struct AdmissionRequest {
  socks4::conf::MatchInput input;
  std::string identd_failure;  // for the reason of a 92; "" when identd was not asked
};

// `source`: the client's address as the rules see it; `identd`: nullptr if not asked.
AdmissionRequest admission_request(const socks4::Request& request, const socks4::IpAddress& source,
                                   const IdentdResult* identd);

// The shell command a verdict calls for (rule_verdict.h command_for).
struct AdmissionCommand {
  const std::string* text = nullptr;  // the template in the config; nullptr: nothing to run
  std::string what;                   // "rule line 3", "#NO_IDENTD:", "#BAD_ID:"
  // %z: the address the verdict was decided on; nullopt for a 4a name not yet resolved.
  std::optional<socks4::IpAddress> destination;
};

struct Admission {
  // kGranted when permitted (a resolved name: when some address is); else the reply to send.
  socks4::ReplyCode code = socks4::ReplyCode::kRejected;
  // The reason the first refused destination was refused; "" if none was. A resolved name may
  // have one even when permitted (another of its addresses was refused).
  std::string refusal;
  const socks4::conf::Rule* rule = nullptr;  // the first permitting rule, for the log
  std::vector<Endpoint> addresses;           // where it may go, in order; empty if refused
  AdmissionCommand command;                  // to run now; at most one per request
  // The rule that decided (permit or deny), for sockd_rule_hits_total; nullptr when none
  // matched, or when the name's own admission already counted it (admit_resolved).
  const socks4::conf::Rule* decided_by = nullptr;

  bool permitted() const { return code == socks4::ReplyCode::kGranted; }
};

// A request by one address (a plain SOCKS 4 request: DSTIP and DSTPORT); `addresses` is that
// one if permitted.
Admission admit_address(const socks4::conf::Config& config, AdmissionRequest request,
                        const Endpoint& destination);

// A 4a request by its name alone, before it is resolved (only when no rule looks at
// destination addresses: rules_look_at_destination_address).
Admission admit_name(const socks4::conf::Config& config, AdmissionRequest request);

// A 4a request by the addresses its name resolved to (with the request's port), each decided
// on its own; `addresses` keeps the permitted ones, in order. `name_admitted`: admit_name
// permitted the name before (and its command ran): then no command runs here, and if no
// address is permitted the reply is a plain 91. Permitted only if some address is.
Admission admit_resolved(const socks4::conf::Config& config, AdmissionRequest request,
                         std::vector<Endpoint> resolved, bool name_admitted);

}  // namespace sockd
