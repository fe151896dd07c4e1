#include "worker_snapshot.h"

#include <time.h>

#include "../log.h"
#include "../monotonic_clock.h"
#include "../relay.h"
#include "../session.h"

namespace sockd {

stats::RelayRow Relay::stats_row(int64_t now_ms, int64_t now_coarse_ms) const {
  char client[Endpoint::kTextSize], server[Endpoint::kTextSize];
  stats::RelayRow row;
  row.client = client_address_.format(client);
  row.user = log::sanitize(label_.user);
  row.command = stats::command_label(label_.command);
  row.destination = label_.destination();
  row.connected = server_address_.format(server);
  row.bytes_upstream = upstream_.bytes();
  row.bytes_downstream = downstream_.bytes();
  row.age_ms = now_ms - started_ms_;
  row.idle_ms = now_coarse_ms - last_activity_ms_;
  if (row.idle_ms < 0) row.idle_ms = 0;
  return row;
}

namespace stats {

WorkerSnapshot take_snapshot(const WorkerCounters& counters, const std::list<Session>& sessions,
                             const std::list<Relay>& relays, bool with_relays) {
  WorkerSnapshot snapshot;
  snapshot.counters = counters;
  snapshot.relays_active = relays.size();
  snapshot.negotiations_active = sessions.size();
  for (const Session& session : sessions)
    if (session.awaiting_inbound()) ++snapshot.bind_waiting;
  const int64_t now_ms = monotonic_ms();
  timespec coarse{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse);  // the clock relays stamp activity with
  const int64_t now_coarse_ms = int64_t{coarse.tv_sec} * 1000 + coarse.tv_nsec / 1'000'000;
  for (const Relay& relay : relays) {
    snapshot.live_bytes_upstream += relay.bytes_upstream();
    snapshot.live_bytes_downstream += relay.bytes_downstream();
    if (with_relays && snapshot.relays.size() < kMaxRelayRows)
      snapshot.relays.push_back(relay.stats_row(now_ms, now_coarse_ms));
  }
  return snapshot;
}

}  // namespace stats
}  // namespace sockd
