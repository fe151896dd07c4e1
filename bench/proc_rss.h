// Resident memory of a process and all its descendants (Dante forks worker processes).
#pragma once

#include <sys/types.h>

namespace socksbench {

struct TreeMemory {
  long long rss_kib = 0;  // sum of VmRSS over the tree
  int processes = 0;
};

TreeMemory tree_memory(pid_t root);

}  // namespace socksbench
