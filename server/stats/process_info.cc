#include "process_info.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace sockd::stats {
namespace {

std::string read_small_file(const char* path) {
  std::string text;
  if (FILE* file = fopen(path, "re")) {
    char buffer[4096];
    size_t n = fread(buffer, 1, sizeof buffer, file);
    text.assign(buffer, n);
    fclose(file);
  }
  return text;
}

// Seconds since the epoch when the machine booted (/proc/stat btime).
double boot_time_unix() {
  const std::string stat = read_small_file("/proc/stat");
  size_t at = stat.find("\nbtime ");
  return at == std::string::npos ? 0 : std::strtod(stat.c_str() + at + 7, nullptr);
}

}  // namespace

ProcessInfo read_process_info() {
  ProcessInfo info;
  const long page = sysconf(_SC_PAGESIZE);
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  unsigned long long size = 0, resident = 0;
  if (sscanf(read_small_file("/proc/self/statm").c_str(), "%llu %llu", &size, &resident) == 2)
    info.resident_bytes = resident * static_cast<unsigned long long>(page);
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const std::string stat = read_small_file("/proc/self/stat");
  if (size_t close = stat.rfind(')'); close != std::string::npos && ticks > 0) {
    unsigned long long utime = 0, stime = 0, start = 0;
    if (sscanf(stat.c_str() + close + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d "
               "%llu",
               &utime, &stime, &start) == 3) {
      info.cpu_seconds = static_cast<double>(utime + stime) / ticks;
      info.start_time_unix = boot_time_unix() + static_cast<double>(start) / ticks;
    }
  }
  if (DIR* fds = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(fds))
      if (entry->d_name[0] != '.') ++info.descriptors_open;
    closedir(fds);
    if (info.descriptors_open > 0) --info.descriptors_open;  // the directory's own
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) info.descriptors_limit = limit.rlim_cur;
  return info;
}

}  // namespace sockd::stats
