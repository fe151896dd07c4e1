#include "options.h"

#include <arpa/inet.h>

#include <charconv>

namespace sockd {
namespace {

enum class Flag {
  kConfig,
  kListen,
  kForeground,
  kDebug,
  kCheck,
  kCheckRequest,
  kIdentdLoose,
  kIdentdStrict,
  kThreads,
  kPidFile,
  kNoSplice,
  kStats,
  kHelp,
  kVersion
};

struct OptionSpec {
  char short_name;  // 0: long only
  std::string_view long_name;
  bool takes_value;
  Flag flag;
};

constexpr OptionSpec kOptions[] = {
    {'f', "config", true, Flag::kConfig},
    {'l', "listen", true, Flag::kListen},
    {'F', "foreground", false, Flag::kForeground},
    {'d', "debug", false, Flag::kDebug},
    {'n', "check", false, Flag::kCheck},
    {'r', "check-request", true, Flag::kCheckRequest},
    {'i', "identd-loose", false, Flag::kIdentdLoose},
    {'I', "identd-strict", false, Flag::kIdentdStrict},
    {'t', "threads", true, Flag::kThreads},
    {'P', "pid-file", true, Flag::kPidFile},
    {0, "no-splice", false, Flag::kNoSplice},
    {0, "stats", true, Flag::kStats},
    {'h', "help", false, Flag::kHelp},
    {'V', "version", false, Flag::kVersion},
};

const OptionSpec* find_short(char c) {
  for (const auto& spec : kOptions)
    if (spec.short_name == c) return &spec;
  return nullptr;
}

const OptionSpec* find_long(std::string_view name) {
  for (const auto& spec : kOptions)
    if (spec.long_name == name) return &spec;
  return nullptr;
}

std::optional<int> parse_int(std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
    return std::nullopt;
  return value;
}

bool is_numeric_address(const std::string& host, int family) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, host.c_str(), buffer) == 1;
}

// Applies one option; returns an error message or an empty string.
std::string apply(const OptionSpec& spec, std::string_view value, Options& options) {
  switch (spec.flag) {
    case Flag::kConfig:
      if (value.empty()) return "--config needs a file name";
      options.config_path = value;
      break;
    case Flag::kListen: {
      auto address = parse_listen_address(value);
      if (!address)
        return "--listen: expected ADDR[:PORT] or [IPV6]:PORT with a numeric address, found '" +
               std::string(value) + "'";
      options.listen.push_back(*address);
      break;
    }
    case Flag::kForeground:
      options.foreground = true;
      break;
    case Flag::kDebug:
      options.debug = true;
      break;
    case Flag::kCheck:
      options.check = true;
      break;
    case Flag::kCheckRequest:
      if (value.empty()) return "--check-request needs a request to check";
      options.check_request = value;
      break;
    case Flag::kIdentdLoose:
      options.identd = socks4::conf::IdentdMode::kLoose;
      break;
    case Flag::kIdentdStrict:
      options.identd = socks4::conf::IdentdMode::kStrict;
      break;
    case Flag::kThreads: {
      auto threads = parse_int(value, 0, kMaxThreads);
      if (!threads)
        return "--threads: expected a number from 0 to " + std::to_string(kMaxThreads) +
               ", found '" + std::string(value) + "'";
      options.threads = *threads;
      break;
    }
    case Flag::kPidFile:
      if (value.empty()) return "--pid-file needs a file name";
      options.pid_file = value;
      break;
    case Flag::kNoSplice:
      options.use_splice = false;
      break;
    case Flag::kStats: {
      auto address = parse_listen_address(value);
      const bool has_port = value.starts_with('[') ? value.find("]:") != std::string_view::npos
                                                   : value.find(':') == value.rfind(':') &&
                                                         value.find(':') != std::string_view::npos;
      if (!address || !has_port)
        return "--stats: expected ADDR:PORT or [IPV6]:PORT with a numeric address, found '" +
               std::string(value) + "'";
      options.stats.push_back(*address);
      break;
    }
    case Flag::kHelp:
      options.help = true;
      break;
    case Flag::kVersion:
      options.version = true;
      break;
  }
  return {};
}

}  // namespace

std::optional<socks4::conf::ListenAddress> parse_listen_address(std::string_view text) {
  socks4::conf::ListenAddress address;
  std::string_view port_text;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    address.host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
    if (!is_numeric_address(address.host, AF_INET6)) return std::nullopt;
  } else if (text.find(':') != text.rfind(':')) {  // two or more colons: a bare IPv6 address
    address.host = text;
    if (!is_numeric_address(address.host, AF_INET6)) return std::nullopt;
  } else {
    size_t colon = text.find(':');
    address.host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
    if (!is_numeric_address(address.host, AF_INET)) return std::nullopt;
  }
  if (!port_text.empty()) {
    auto port = parse_int(port_text, 0, 65535);
    if (!port) return std::nullopt;
    address.port = static_cast<uint16_t>(*port);
  }
  return address;
}

OptionsParse parse_options(std::span<const char* const> args) {
  Options options;
  auto fail = [](std::string message) { return OptionsParse{std::nullopt, std::move(message)}; };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.starts_with("--")) {
      std::string_view name = arg.substr(2);
      std::optional<std::string_view> inline_value;
      if (size_t eq = name.find('='); eq != std::string_view::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const OptionSpec* spec = find_long(name);
      if (!spec) return fail("unknown option '--" + std::string(name) + "'");
      std::string_view value;
      if (spec->takes_value) {
        if (inline_value) {
          value = *inline_value;
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return fail("option '--" + std::string(name) + "' needs a value");
        }
      } else if (inline_value) {
        return fail("option '--" + std::string(name) + "' takes no value");
      }
      if (auto error = apply(*spec, value, options); !error.empty()) return fail(error);
    } else if (arg.size() > 1 && arg.front() == '-') {
      for (size_t j = 1; j < arg.size(); ++j) {
        const OptionSpec* spec = find_short(arg[j]);
        if (!spec) return fail("unknown option '-" + std::string(1, arg[j]) + "'");
        std::string_view value;
        if (spec->takes_value) {
          if (j + 1 < arg.size()) {
            value = arg.substr(j + 1);
          } else if (i + 1 < args.size()) {
            value = args[++i];
          } else {
            return fail("option '-" + std::string(1, arg[j]) + "' needs a value");
          }
          if (auto error = apply(*spec, value, options); !error.empty()) return fail(error);
          break;
        }
        if (auto error = apply(*spec, value, options); !error.empty()) return fail(error);
      }
    } else {
      return fail("unexpected argument '" + std::string(arg) + "'");
    }
  }
  return {options, {}};
}

std::string usage_text() {
  return R"(Usage: sockd [options]
SOCKS 4/4a proxy server: CONNECT and BIND, 4a names, sockd.conf access rules, identd.

  -f, --config FILE         sockd.conf to use (default: none; the built-in configuration
                            listens on 127.0.0.1:1080 and permits loopback clients only)
  -l, --listen ADDR[:PORT]  listen here (repeatable; replaces the file's `listen` lines);
                            IPv6 as [::1]:1080; PORT 0 picks a free port
  -F, --foreground          stay in the foreground; log to stderr, each line after an
                            ISO 8601 time stamp (unless the config says `log syslog`).
                            Without it, sockd returns once the daemon is ready, or with
                            its error and exit status
  -d, --debug               log per-request detail
  -n, --check               check the config (and that `user` exists and could
                            re-read it at SIGHUP), print diagnostics, exit 0 if
                            valid, 1 if not
  -r, --check-request 'connect|bind USER SOURCE DESTINATION PORT [IDENTD_USER]'
                            print the rule that matches this request and permit or deny;
                            exit 0 permit, 1 deny (or a config error), 2 a bad request.
                            USER '-' is empty; SOURCE an IPv4 or IPv6 address;
                            DESTINATION an address, a 4a host name or NAME=ADDR[,ADDR...]
                            (each address decided as sockd does); without IDENTD_USER
                            identd does not answer
  -i, --identd-loose        identd mode loose: 93 when the client's identd names another
                            user (overrides the config's `identd`; a rule's ?= overrides both)
  -I, --identd-strict       identd mode strict: also 92 when identd gives no user
  -t, --threads N           event-loop threads (default: config `threads`, else one per core)
  -P, --pid-file FILE       write the process id to FILE, removed at a clean stop (after
                            `user`, if FILE's directory is writable by that user)
      --no-splice           relay through user-space buffers instead of splice(2)
      --stats ADDR:PORT     serve Prometheus /metrics, /status.json and a status page
                            (/) over HTTP there (repeatable; replaces the file's `stats`
                            lines). A non-loopback address needs `stats_allow` in the file
  -h, --help                show this help
  -V, --version             show the version

Relative FILEs are resolved against the directory sockd was started in.
Under systemd (Type=notify, with -F) sockd reports READY/RELOADING/STOPPING to
$NOTIFY_SOCKET; sockets passed by socket activation (LISTEN_FDS) replace -l and `listen`.
Signals: SIGTERM/SIGINT stop cleanly, SIGHUP re-reads the config file, SIGUSR2 is
ignored (logged).
Exit status: 0 clean stop, 1 configuration error, 2 usage error, 3 cannot listen
(an address in use, also by another sockd).
)";
}

}  // namespace sockd
