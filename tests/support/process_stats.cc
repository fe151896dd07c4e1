#include "process_stats.h"

#include <unistd.h>

#include <sstream>
#include <string>

#include "temp_dir.h"

namespace socks4::test {

long resident_kib(pid_t pid) {
  std::istringstream in(read_text_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

int64_t cpu_milliseconds(pid_t pid) {
  const std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name (field 2) may contain spaces: count fields after its closing ')'.
  size_t end = stat.rfind(')');
  if (end == std::string::npos) return -1;
  std::istringstream fields(stat.substr(end + 1));
  std::string field;
  long long utime = -1, stime = -1;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoll(field);
    if (index == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  if (utime < 0 || stime < 0) return -1;
  return (utime + stime) * 1000 / sysconf(_SC_CLK_TCK);
}

}  // namespace socks4::test
