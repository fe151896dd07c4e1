#include "report.h"

#include <sys/time.h>

#include <algorithm>

namespace sockd::stats {

const char* label(ShellOutcome outcome) {
  static constexpr const char* kLabels[kShellOutcomes] = {"ok", "failed", "killed", "not_run"};
  return kLabels[static_cast<size_t>(outcome)];
}

double unix_now() {
  timeval now{};
  gettimeofday(&now, nullptr);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_usec) / 1e6;
}

void merge(std::vector<std::optional<WorkerSnapshot>> snapshots, Report& report) {
  report.workers = snapshots.size();
  for (std::optional<WorkerSnapshot>& snapshot : snapshots) {
    if (!snapshot) continue;
    ++report.workers_answered;
    report.totals.add(snapshot->counters);
    report.bytes_upstream +=
        snapshot->counters.closed_bytes_upstream + snapshot->live_bytes_upstream;
    report.bytes_downstream +=
        snapshot->counters.closed_bytes_downstream + snapshot->live_bytes_downstream;
    report.relays_active += snapshot->relays_active;
    report.negotiations_active += snapshot->negotiations_active;
    report.bind_waiting += snapshot->bind_waiting;
    for (RelayRow& row : snapshot->relays) report.relays.push_back(std::move(row));
    for (Rejection& rejection : snapshot->counters.recent.entries())
      report.recent.push_back(std::move(rejection));
  }
  std::stable_sort(report.relays.begin(), report.relays.end(),
                   [](const RelayRow& a, const RelayRow& b) { return a.age_ms > b.age_ms; });
  std::stable_sort(report.recent.begin(), report.recent.end(),
                   [](const Rejection& a, const Rejection& b) { return a.unix_ms < b.unix_ms; });
  if (report.recent.size() > kMaxRecentRejections)
    report.recent.erase(report.recent.begin(),
                        report.recent.end() - static_cast<long>(kMaxRecentRejections));
}

}  // namespace sockd::stats
