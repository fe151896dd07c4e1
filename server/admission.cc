#include "admission.h"

#include "log.h"

namespace sockd {
namespace {

using socks4::ReplyCode;

RuleVerdict decide_for(const socks4::conf::Config& config, const AdmissionRequest& request) {
  return decide(config, request.input,
                request.identd_failure.empty() ? "identd not asked" : request.identd_failure);
}

AdmissionCommand command_of(const socks4::conf::Config& config, const RuleVerdict& verdict,
                            const std::optional<socks4::IpAddress>& destination) {
  AdmissionCommand command;
  const std::string& text = command_for(config, verdict, &command.what);
  if (!text.empty()) {
    command.text = &text;
    command.destination = destination;
  }
  return command;
}

// One destination (DSTIP, or a 4a name alone): the verdict decides it all.
Admission admit_one(const socks4::conf::Config& config, const AdmissionRequest& request) {
  RuleVerdict verdict = decide_for(config, request);
  Admission admission;
  admission.code = verdict.code;
  admission.rule = verdict.permitted() ? verdict.rule : nullptr;
  admission.decided_by = verdict.rule;
  admission.refusal = std::move(verdict.reason);
  admission.command = command_of(config, verdict, request.input.destination);
  return admission;
}

}  // namespace

AdmissionRequest admission_request(const socks4::Request& request, const socks4::IpAddress& source,
                                   const IdentdResult* identd) {
  AdmissionRequest admission;
  socks4::conf::MatchInput& input = admission.input;
  input.command = request.command;
  input.source = source;
  input.destination_name = request.hostname;
  input.destination_port = request.port;
  input.user = request.user_id;
  if (identd) {
    const socks4::identd::Answer& answer = identd->answer;
    if (!identd->answered) {
      admission.identd_failure = identd->failure;
    } else if (answer.kind == socks4::identd::AnswerKind::kUser) {
      input.identd_user = answer.user;
    } else {
      admission.identd_failure = "identd answered ERROR " + log::sanitize(answer.detail);
    }
  }
  return admission;
}

Admission admit_address(const socks4::conf::Config& config, AdmissionRequest request,
                        const Endpoint& destination) {
  request.input.destination = destination.rule_address();
  Admission admission = admit_one(config, request);
  if (admission.permitted()) admission.addresses.push_back(destination);
  return admission;
}

Admission admit_name(const socks4::conf::Config& config, AdmissionRequest request) {
  request.input.destination.reset();
  return admit_one(config, request);
}

Admission admit_resolved(const socks4::conf::Config& config, AdmissionRequest request,
                         std::vector<Endpoint> resolved, bool name_admitted) {
  Admission admission;
  // A command has run (the name's) or will (the first permit's, else the first denial's).
  bool command_chosen = name_admitted;
  std::optional<RuleVerdict> first_denial;
  std::optional<socks4::IpAddress> first_denial_destination;
  size_t kept = 0;
  for (Endpoint& address : resolved) {
    if (address.family == AF_UNSPEC) continue;
    address.port = request.input.destination_port;
    // Every address, even when the name alone was permitted before the lookup: the rules may
    // not have looked at addresses, but some destinations are never allowed.
    request.input.destination = address.rule_address();
    RuleVerdict verdict = decide_for(config, request);
    if (verdict.permitted()) {
      if (!command_chosen)
        admission.command = command_of(config, verdict, request.input.destination);
      if (!admission.rule) admission.rule = verdict.rule;
      command_chosen = true;
      resolved[kept++] = address;
      continue;
    }
    if (admission.refusal.empty()) admission.refusal = verdict.reason;
    if (!command_chosen && !first_denial) {
      first_denial_destination = request.input.destination;
      first_denial = std::move(verdict);
    }
  }
  resolved.resize(kept);
  admission.addresses = std::move(resolved);
  if (!admission.addresses.empty()) {
    admission.code = ReplyCode::kGranted;
    if (!name_admitted) admission.decided_by = admission.rule;
  } else if (first_denial) {
    admission.code = first_denial->code;
    if (!name_admitted) admission.decided_by = first_denial->rule;
    admission.command = command_of(config, *first_denial, first_denial_destination);
  }
  return admission;
}

}  // namespace sockd
