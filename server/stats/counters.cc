#include "counters.h"

#include <sys/time.h>

#include "../identd_query.h"
#include "event2/util.h"

namespace sockd::stats {
namespace {

int64_t unix_ms() {
  timeval now{};
  gettimeofday(&now, nullptr);
  return int64_t{now.tv_sec} * 1000 + now.tv_usec / 1000;
}

size_t command_index(socks4::Command command) {
  return command == socks4::Command::kBind ? 1 : 0;
}

}  // namespace

const char* label(Reason reason) {
  static constexpr const char* kLabels[kReasons] = {"rule",    "identd",  "malformed", "limit",
                                                    "timeout", "resolve", "connect"};
  return kLabels[static_cast<size_t>(reason)];
}

const char* label(Result result) {
  static constexpr const char* kLabels[kResults] = {"granted", "rejected", "failed"};
  return kLabels[static_cast<size_t>(result)];
}

Result result_of(Reason reason) {
  switch (reason) {
    case Reason::kTimeout:
    case Reason::kResolve:
    case Reason::kConnect:
      return Result::kFailed;
    default:
      return Result::kRejected;
  }
}

const char* label(DnsResult result) {
  static constexpr const char* kLabels[kDnsResults] = {"ok", "nxdomain", "error", "timeout"};
  return kLabels[static_cast<size_t>(result)];
}

const char* label(IdentdOutcome outcome) {
  static constexpr const char* kLabels[kIdentdOutcomes] = {"user", "error", "no_answer"};
  return kLabels[static_cast<size_t>(outcome)];
}

const char* command_label(socks4::Command command) {
  return command == socks4::Command::kBind ? "bind" : "connect";
}

Reason reason_of(socks4::ReplyCode code, const std::string& refusal) {
  if (code == socks4::ReplyCode::kNoIdentd || code == socks4::ReplyCode::kIdentMismatch)
    return Reason::kIdentd;
  return refusal.starts_with("cannot resolve") ? Reason::kResolve : Reason::kRule;
}

IdentdOutcome identd_outcome(const IdentdResult& result) {
  if (!result.answered) return IdentdOutcome::kNoAnswer;
  return result.answer.kind == socks4::identd::AnswerKind::kUser ? IdentdOutcome::kUser
                                                                 : IdentdOutcome::kError;
}

void WorkerCounters::granted(socks4::Command command, int64_t request_us) {
  ++requests[command_index(command)][static_cast<size_t>(Result::kGranted)];
  if (command == socks4::Command::kConnect) connect_seconds.observe(monotonic_us() - request_us);
}

void WorkerCounters::refused(socks4::Command command, Reason reason, int64_t request_us,
                             bool granted_before, const std::string& client, std::string request,
                             const std::string& why) {
  ++rejections[static_cast<size_t>(reason)];
  if (!granted_before) {
    ++requests[command_index(command)][static_cast<size_t>(result_of(reason))];
    if (command == socks4::Command::kConnect) connect_seconds.observe(monotonic_us() - request_us);
  }
  recent.add({unix_ms(), client, std::move(request), why});
}

void WorkerCounters::refused_early(Reason reason, const std::string& client,
                                   const std::string& why) {
  ++rejections[static_cast<size_t>(reason)];
  recent.add({unix_ms(), client, {}, why});
}

void WorkerCounters::dns_lookup(int error, int64_t started_us) {
  DnsResult result = DnsResult::kError;
  if (error == 0) {
    result = DnsResult::kOk;
  } else if (error == EVUTIL_EAI_NONAME || error == EVUTIL_EAI_NODATA) {
    result = DnsResult::kNxdomain;
  } else if (error == EVUTIL_EAI_AGAIN) {
    result = DnsResult::kTimeout;  // evdns reports a timed-out query as EAI_AGAIN
  }
  ++dns[static_cast<size_t>(result)];
  dns_seconds.observe(monotonic_us() - started_us);
}

void WorkerCounters::add(const WorkerCounters& other) {
  for (size_t c = 0; c < requests.size(); ++c)
    for (size_t r = 0; r < kResults; ++r) requests[c][r] += other.requests[c][r];
  for (size_t i = 0; i < kReasons; ++i) rejections[i] += other.rejections[i];
  relays_total += other.relays_total;
  closed_bytes_upstream += other.closed_bytes_upstream;
  closed_bytes_downstream += other.closed_bytes_downstream;
  for (size_t i = 0; i < kDnsResults; ++i) dns[i] += other.dns[i];
  dns_seconds += other.dns_seconds;
  connect_seconds += other.connect_seconds;
  for (size_t i = 0; i < kIdentdOutcomes; ++i) identd[i] += other.identd[i];
  for (const auto& [line, hits] : other.rule_hits) rule_hits[line] += hits;
  for (const auto& [hop, grants] : other.next_hop_grants) next_hop_grants[hop] += grants;
}

}  // namespace sockd::stats
