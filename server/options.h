// sockd's command line: a pure parser (argv in, Options or an error out) so it can be tested
// without starting anything.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conf/sockd_conf.h"

namespace sockd {

struct Options {
  std::string config_path;                          // -f; empty: the built-in default config
  std::vector<socks4::conf::ListenAddress> listen;  // -l; empty: the config's `listen` lines
  std::vector<socks4::conf::ListenAddress> stats;   // --stats; empty: the config's `stats`
  bool foreground = false;                          // -F
  bool debug = false;                               // -d
  bool check = false;                               // -n
  std::string check_request;                        // -r: "connect USER SRC DST PORT [IDENTD]"
  std::optional<socks4::conf::IdentdMode> identd;   // -i loose, -I strict; overrides `identd`
  std::optional<int> threads;                       // -t; 0 = one per core
  std::string pid_file;                             // -P
  bool use_splice = true;                           // --no-splice clears it
  bool help = false;                                // -h
  bool version = false;                             // -V
};

struct OptionsParse {
  std::optional<Options> options;  // set on success
  std::string error;               // a usage error otherwise
};

inline constexpr int kMaxThreads = 256;

// `args` is argv without argv[0]. Accepts "-t 4", "-t4", "--threads 4", "--threads=4" and
// bundled flags ("-Fd").
OptionsParse parse_options(std::span<const char* const> args);

// "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address; numeric only. Port default 1080.
std::optional<socks4::conf::ListenAddress> parse_listen_address(std::string_view text);

// The --help text.
std::string usage_text();

inline constexpr std::string_view kVersionLine = "sockd (socks4) " SOCKS4_VERSION;

}  // namespace sockd
