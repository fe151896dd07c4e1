#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "net.h"

namespace socksbench {
namespace {

void usage() {
  std::fputs(
      "usage: socksbench MODE [options]\n"
      "  serve                       echo + discard servers on 127.0.0.1; prints their ports\n"
      "  relay                       the protocol-only SOCKS4 relay (make bench's floor) on\n"
      "                              127.0.0.1, --threads N (default: one per core); prints its\n"
      "                              address\n"
      "  throughput --target A:P     bulk send into the discard server for --seconds\n"
      "  connrate   --target A:P     connect/(SOCKS4)/1-byte echo/close loop for --seconds\n"
      "  hold       --target A:P     open and hold --count relayed echo connections\n"
      "  probe      --target A:P     one echo round trip, retried until --timeout\n"
      "  storm      --target A:P     rounds of --count concurrent SOCKS4a CONNECTs via --proxy\n"
      "             --names N1,N2... to the names given (\".slow\" names made unique)\n"
      "  connects   --target A:P     --count sequential plain connect/1-byte echo/close cycles\n"
      "                              (run under socksify -m preload|seccomp by run.sh)\n"
      "  free-port                   print a currently free loopback TCP port\n"
      "options: --proxy A:P  --streams N  --clients N  --count N  --seconds S  --timeout S\n"
      "         --pid PID (measure this process tree's VmRSS and CPU time)  --label TEXT\n"
      "         --threads N (relay)\n",
      stderr);
}

bool parse_number(const char* text, double* out) {
  char* end = nullptr;
  *out = std::strtod(text, &end);
  return end != text && *end == '\0' && *out >= 0;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  if (argc < 2) {
    usage();
    return std::nullopt;
  }
  Options options;
  options.mode = argv[1];
  for (int i = 2; i < argc; i += 2) {
    std::string_view key = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "socksbench: %s needs a value\n", argv[i]);
      return std::nullopt;
    }
    const char* value = argv[i + 1];
    double number = 0;
    bool ok = true;
    if (key == "--target" || key == "--proxy") {
      auto endpoint = parse_endpoint(value);
      ok = endpoint.has_value();
      (key == "--target" ? options.target : options.proxy) = endpoint;
    } else if (key == "--label") {
      options.label = value;
    } else if (key == "--names") {
      options.names.clear();
      for (std::string_view rest = value; !rest.empty();) {
        size_t comma = rest.find(',');
        if (comma != 0) options.names.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    } else if (!parse_number(value, &number)) {
      ok = false;
    } else if (key == "--streams") {
      options.streams = static_cast<int>(number);
    } else if (key == "--clients") {
      options.clients = static_cast<int>(number);
    } else if (key == "--count") {
      options.count = static_cast<int>(number);
    } else if (key == "--seconds") {
      options.seconds = number;
    } else if (key == "--timeout") {
      options.timeout = number;
    } else if (key == "--threads") {
      options.threads = static_cast<int>(number);
    } else if (key == "--pid") {
      options.pid = static_cast<pid_t>(number);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "socksbench: bad option %s %s\n", argv[i], value);
      usage();
      return std::nullopt;
    }
  }
  bool needs_target =
      options.mode != "serve" && options.mode != "relay" && options.mode != "free-port";
  if (needs_target && !options.target) {
    std::fprintf(stderr, "socksbench: %s needs --target\n", options.mode.c_str());
    return std::nullopt;
  }
  if (options.streams < 1 || options.clients < 1 || options.count < 1) {
    std::fputs("socksbench: --streams, --clients and --count must be at least 1\n", stderr);
    return std::nullopt;
  }
  return options;
}

}  // namespace socksbench
