// Per-connect cost of a socksify method: --count sequential blocking connect -> 1-byte echo ->
// close cycles to --target (the serve process's ping port) with the plain socket calls, so that
// run.sh can run it direct, under socksify -m preload and under socksify -m seccomp, through
// sockd, and compare. The figure is microseconds per cycle.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "modes.h"
#include "net.h"

namespace socksbench {

int run_connects(const Options& options) {
  const double start = now_seconds();
  int failed = 0;
  for (int i = 0; i < options.count; ++i) {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_in& to = *options.target;
    char byte = 'x';
    if (!fd || connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 ||
        send(fd.get(), &byte, 1, MSG_NOSIGNAL) != 1 || recv(fd.get(), &byte, 1, 0) != 1) {
      if (++failed == 1) std::fprintf(stderr, "socksbench connects: %s\n", std::strerror(errno));
    }
  }
  const double elapsed = now_seconds() - start;
  std::printf("mode=connects label=%s count=%d failed=%d us_per_connect=%.1f\n",
              options.label.c_str(), options.count, failed, elapsed * 1e6 / options.count);
  return failed == 0 ? 0 : 1;
}

}  // namespace socksbench
