// The client library's environment: SOCKS_SERVER, SOCKS_CONF, SOCKS_DEBUG, SOCKS_USERNAME,
// SOCKS_BANNER, SOCKS_QUIET, SOCKS_SYSLOG. Read through secure_getenv, so a setuid/setgid process
// ignores all of them.
#pragma once

#include <optional>
#include <string>

namespace socks4::client {

inline constexpr const char* kDefaultConfPath = "/etc/socks.conf";

struct ClientEnvironment {
  std::optional<std::string> server_list;  // SOCKS_SERVER, unparsed
  std::string conf_path = kDefaultConfPath;
  bool conf_path_from_env = false;  // a named file that is missing is an error
  bool debug = false;               // SOCKS_DEBUG set (to anything but "" or "0")
  std::string username;             // SOCKS_USERNAME, else the effective uid's login name
  bool banner = false;              // SOCKS_BANNER set: print a one-line banner at start
  bool quiet = false;               // SOCKS_QUIET set: no notice of refusals (client_notice.h)
  bool syslog = false;              // SOCKS_SYSLOG set: every decision to syslog (client_syslog.h)
};

using EnvLookup = char* (*)(const char* name);

// The login name of the effective uid, or its number when it has no passwd entry.
std::string effective_user_name();

// Reads the variables through `lookup` (secure_getenv unless a test injects another).
ClientEnvironment read_environment(EnvLookup lookup = &secure_getenv);

}  // namespace socks4::client
