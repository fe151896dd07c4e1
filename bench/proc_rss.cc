#include "proc_rss.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace socksbench {
namespace {

// Parent pid from /proc/PID/stat; the command name may contain spaces and ')'.
pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  auto close = line.rfind(')');
  if (close == std::string::npos || close + 4 > line.size()) return -1;
  // ") S PPID ..."
  return static_cast<pid_t>(std::strtol(line.c_str() + close + 4, nullptr, 10));
}

long long rss_kib_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

}  // namespace

TreeMemory tree_memory(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return {};
  while (dirent* entry = readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    children.emplace(parent_of(static_cast<pid_t>(pid)), static_cast<pid_t>(pid));
  }
  TreeMemory memory;
  std::vector<pid_t> pending{root};
  while (!pending.empty()) {
    pid_t pid = pending.back();
    pending.pop_back();
    memory.rss_kib += rss_kib_of(pid);
    ++memory.processes;
    auto [first, last] = children.equal_range(pid);
    for (auto it = first; it != last; ++it) pending.push_back(it->second);
  }
  return memory;
}

}  // namespace socksbench
