// The process_* basics of a Prometheus exporter and sockd's descriptor use, read from /proc
// when someone asks (never on the relay path).
#pragma once

#include <cstdint>

namespace sockd::stats {

struct ProcessInfo {
  uint64_t resident_bytes = 0;
  double cpu_seconds = 0;
  double start_time_unix = 0;
  uint64_t descriptors_open = 0;
  uint64_t descriptors_limit = 0;  // RLIMIT_NOFILE soft limit
};

ProcessInfo read_process_info();

}  // namespace sockd::stats
