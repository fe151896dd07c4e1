// Command-line options of socksbench: `socksbench MODE [--key value]...`.
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace socksbench {

struct Options {
  std::string mode;  // serve | relay | throughput | connrate | hold | probe | storm | connects |
                     // free-port
  std::optional<sockaddr_in> target;  // where the traffic finally goes (sink or echo server)
  std::optional<sockaddr_in> proxy;   // SOCKS4 server to go through; direct when absent
  int streams = 1;                    // throughput: parallel streams
  int clients = 1;                    // connrate: parallel clients
  int count = 9000;                   // hold: connections to hold
  double seconds = 5;                 // measurement length (throughput, connrate)
  double timeout = 60;                // hold/probe: give up after this long
  int threads = 0;                    // relay: worker threads (0: one per core)
  pid_t pid = 0;                      // hold: proxy whose memory (with its children) is measured
  std::string label;                  // echoed in the result line
  std::vector<std::string> names;     // storm: 4a names, given comma-separated
};

// Parses argv; on error prints usage to stderr and returns nullopt.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace socksbench
