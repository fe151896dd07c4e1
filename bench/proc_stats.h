// What the benchmark reads from /proc: resident memory and CPU time of a process with all its
// descendants (Dante forks workers), and how busy the whole machine was.
#pragma once

#include <sys/types.h>

#include <string>

namespace socksbench {

struct TreeUsage {
  long long rss_kib = 0;   // sum of VmRSS over the tree
  double cpu_seconds = 0;  // user + system time over the tree (live processes only)
  int processes = 0;
};

TreeUsage tree_usage(pid_t root);

// CPU use during a measurement, in cores (CPU-seconds per second): this process, the proxy
// tree (when a pid is given) and the whole machine.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t proxy);
  // "cpu_self=0.95 cpu_proxy=0.40 cpu_busy=1.98" for the time since construction.
  std::string summary() const;

 private:
  pid_t proxy_;
  double start_;
  double self_start_;
  double proxy_start_;
  long long busy_start_, total_start_;
};

}  // namespace socksbench
