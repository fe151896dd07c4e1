// socksbench: load generator for `make bench` (see bench/run.sh and docs/BENCHMARKS.md).
#include <signal.h>

#include <cstdio>

#include "modes.h"
#include "net.h"

namespace {

int print_free_port() {
  auto fd = socksbench::listen_loopback(0, 1);
  if (!fd) return 1;
  std::printf("%u\n", socksbench::local_port(fd.get()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = socksbench::parse_options(argc, argv);
  if (!options) return 2;
  signal(SIGPIPE, SIG_IGN);  // a peer that vanished is a counted failure, not a crash
  socksbench::raise_fd_limit();
  const auto& mode = options->mode;
  if (mode == "serve") return socksbench::run_serve(*options);
  if (mode == "throughput") return socksbench::run_throughput(*options);
  if (mode == "connrate") return socksbench::run_connrate(*options);
  if (mode == "hold") return socksbench::run_hold(*options);
  if (mode == "probe") return socksbench::run_probe(*options);
  if (mode == "storm") return socksbench::run_storm(*options);
  if (mode == "connects") return socksbench::run_connects(*options);
  if (mode == "relay") return socksbench::run_relay(*options);
  if (mode == "free-port") return print_free_port();
  std::fprintf(stderr, "socksbench: unknown mode %s\n", mode.c_str());
  return 2;
}
