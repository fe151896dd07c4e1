// Everything the stats listener renders, gathered at one moment: the workers' counters added
// up, their live relays, the main thread's counters (reloads), the shell runner's and the
// process's. Built per request; the renderers (prometheus.h, status_json.h, status_page.h)
// only read it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "counters.h"
#include "process_info.h"
#include "rejection_ring.h"
#include "relay_snapshot.h"

namespace sockd::stats {

// The main thread's own counters (it runs the stats listener too, so it reads them unshared).
struct MainCounters {
  uint64_t reloads_ok = 0;
  uint64_t reloads_error = 0;
  double last_reload_unix = 0;  // 0 until a reload succeeded
  double started_unix = 0;
  std::string config_source;  // the config file, or "built-in"
  double config_loaded_unix = 0;
};

// sockd_shell_commands_total{result=...}.
enum class ShellOutcome { kOk, kFailed, kKilled, kNotRun };
inline constexpr size_t kShellOutcomes = 4;
const char* label(ShellOutcome outcome);
using ShellCounts = std::array<uint64_t, kShellOutcomes>;

struct Report {
  WorkerCounters totals;
  uint64_t bytes_upstream = 0;  // closed relays and live ones
  uint64_t bytes_downstream = 0;
  uint64_t relays_active = 0;
  uint64_t negotiations_active = 0;
  uint64_t bind_waiting = 0;
  size_t workers = 0;
  size_t workers_answered = 0;
  std::vector<RelayRow> relays;   // oldest first
  std::vector<Rejection> recent;  // oldest first, at most kMaxRecentRejections
  MainCounters main;
  ShellCounts shell{};
  std::vector<int> rule_lines;  // of the active configuration
  ProcessInfo process;
  double now_unix = 0;
};

inline constexpr size_t kMaxRecentRejections = 50;

// Adds the workers' answers into `report` (the other fields are the caller's).
void merge(std::vector<std::optional<WorkerSnapshot>> snapshots, Report& report);

double unix_now();

}  // namespace sockd::stats
