// What a worker counts: requests, rejections and their reasons, relays, lookups, identd
// answers, rule hits. Plain integers owned by one worker thread and written only by it; the
// stats listener never reads them directly but asks the worker for a copy (worker_snapshot.h),
// so the relay path pays one increment and shares no cache line with another thread. Each hook
// is one call from the code that sees the event.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "histogram.h"
#include "rejection_ring.h"
#include "socks4/proto.h"

namespace sockd {
struct IdentdResult;
}

namespace sockd::stats {

// The labels of sockd_rejections_total{reason=...}, in this order.
enum class Reason { kRule, kIdentd, kMalformed, kLimit, kTimeout, kResolve, kConnect };
inline constexpr size_t kReasons = 7;
const char* label(Reason reason);

// sockd_requests_total{result=...}: granted; rejected by the rules, identd or a limit; failed
// for want of a name, a connection or time.
enum class Result { kGranted, kRejected, kFailed };
inline constexpr size_t kResults = 3;
const char* label(Result result);
Result result_of(Reason reason);

enum class DnsResult { kOk, kNxdomain, kError, kTimeout };
inline constexpr size_t kDnsResults = 4;
const char* label(DnsResult result);

enum class IdentdOutcome { kUser, kError, kNoAnswer };
inline constexpr size_t kIdentdOutcomes = 3;
const char* label(IdentdOutcome outcome);

const char* command_label(socks4::Command command);  // "connect" or "bind"

// The class of an admission's refusal: identd for 92 and 93, resolve when the name gave no
// usable address, else the rules (a deny, or no rule matching).
Reason reason_of(socks4::ReplyCode code, const std::string& refusal);
IdentdOutcome identd_outcome(const IdentdResult& result);

struct WorkerCounters {
  // [connect, bind][Result]
  std::array<std::array<uint64_t, kResults>, 2> requests{};
  std::array<uint64_t, kReasons> rejections{};
  uint64_t relays_total = 0;
  // Bytes of the relays that have closed; the live ones are added when read.
  uint64_t closed_bytes_upstream = 0;
  uint64_t closed_bytes_downstream = 0;
  std::array<uint64_t, kDnsResults> dns{};
  Histogram dns_seconds;
  Histogram connect_seconds;  // CONNECT: from the complete request to the reply
  std::array<uint64_t, kIdentdOutcomes> identd{};
  std::unordered_map<int, uint64_t> rule_hits;  // rule line -> requests it decided
  // Next hop "ADDR:PORT" -> requests it granted (CONNECT relays and BINDs); at most the hops
  // the configuration names.
  std::map<std::string, uint64_t> next_hop_grants;
  RejectionRing recent;

  // --- hooks (worker thread) ---
  void granted(socks4::Command command, int64_t request_us);
  // A request answered 91/92/93 (or closed) for `reason`. `granted_before`: a BIND whose first
  // reply was already counted as granted. `request_us`: when the request was complete.
  void refused(socks4::Command command, Reason reason, int64_t request_us, bool granted_before,
               const std::string& client, std::string request, const std::string& why);
  // Refused before a request was read (malformed, negotiation timeout, a limit at accept).
  void refused_early(Reason reason, const std::string& client, const std::string& why);
  void rule_hit(int line) { ++rule_hits[line]; }
  void granted_via(const std::string& hop) { ++next_hop_grants[hop]; }
  void relay_started() { ++relays_total; }
  void relay_closed(uint64_t upstream, uint64_t downstream) {
    closed_bytes_upstream += upstream;
    closed_bytes_downstream += downstream;
  }
  // `error`: DnsLookup's (0, an EVUTIL_EAI_* code).
  void dns_lookup(int error, int64_t started_us);
  void identd_answer(IdentdOutcome outcome) { ++identd[static_cast<size_t>(outcome)]; }

  // Merging (stats listener, on copies).
  void add(const WorkerCounters& other);
};

}  // namespace sockd::stats
