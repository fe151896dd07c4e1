#include "proc_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include "net.h"

namespace socksbench {
namespace {

struct StatLine {
  pid_t parent = -1;
  double cpu_seconds = 0;
};

// /proc/PID/stat; the command name may contain spaces and ')', so fields count from the last ')'.
StatLine read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  StatLine stat;
  if (!std::getline(in, line)) return stat;
  auto close = line.rfind(')');
  if (close == std::string::npos) return stat;
  std::istringstream fields(line.substr(close + 2));
  std::string state;
  long long value = 0, ticks = 0;
  fields >> state >> stat.parent;
  // utime, stime, then cutime, cstime: the time of children already reaped (Dante's exited
  // workers) stays in the tree this way.
  for (int field = 5; field <= 17 && fields >> value; ++field) {
    if (field >= 14) ticks += value;
  }
  stat.cpu_seconds = static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return stat;
}

long long rss_kib_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Busy and total jiffies over all CPUs (first line of /proc/stat).
void system_jiffies(long long* busy, long long* total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  *busy = user + nice + system + irq + softirq + steal;
  *total = *busy + idle + iowait;
}

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

TreeUsage tree_usage(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return {};
  while (dirent* entry = readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    children.emplace(read_stat(static_cast<pid_t>(pid)).parent, static_cast<pid_t>(pid));
  }
  TreeUsage usage;
  std::vector<pid_t> pending{root};
  while (!pending.empty()) {
    pid_t pid = pending.back();
    pending.pop_back();
    usage.rss_kib += rss_kib_of(pid);
    usage.cpu_seconds += read_stat(pid).cpu_seconds;
    ++usage.processes;
    auto [first, last] = children.equal_range(pid);
    for (auto it = first; it != last; ++it) pending.push_back(it->second);
  }
  return usage;
}

CpuMeter::CpuMeter(pid_t proxy)
    : proxy_(proxy),
      start_(now_seconds()),
      self_start_(self_cpu_seconds()),
      proxy_start_(proxy ? tree_usage(proxy).cpu_seconds : 0) {
  system_jiffies(&busy_start_, &total_start_);
}

std::string CpuMeter::summary() const {
  double elapsed = now_seconds() - start_;
  long long busy = 0, total = 0;
  system_jiffies(&busy, &total);
  double machine = total > total_start_ ? static_cast<double>(busy - busy_start_) /
                                              static_cast<double>(total - total_start_) *
                                              static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN))
                                        : 0;
  char text[128];
  std::snprintf(text, sizeof text, "cpu_self=%.2f cpu_proxy=%.2f cpu_busy=%.2f",
                (self_cpu_seconds() - self_start_) / elapsed,
                proxy_ ? (tree_usage(proxy_).cpu_seconds - proxy_start_) / elapsed : 0.0, machine);
  return text;
}

}  // namespace socksbench
