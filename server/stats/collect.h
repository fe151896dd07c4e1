// Builds a Report for the stats listener (main thread): asks every worker for its snapshot,
// waits for them (bounded), and adds the main thread's, the shell runner's and the process's
// numbers.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "report.h"

namespace sockd {
class Worker;
struct ServerContext;
}  // namespace sockd

namespace sockd::stats {

// A worker busy for longer than this is left out of one answer (sockd_stats_workers_answered
// says so) rather than holding the main thread.
inline constexpr std::chrono::milliseconds kSnapshotWait{1000};

Report collect(const std::vector<std::unique_ptr<Worker>>& workers, const ServerContext& context,
               const MainCounters& main, bool with_relays);

}  // namespace sockd::stats
