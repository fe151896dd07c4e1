// The client library's settings, built once per process from the environment and socks.conf
// (on first use, from any thread) and then shared read-only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "socks4/client_env.h"
#include "socks4/socks_conf.h"

namespace socks4::client {

// Every wait of the library is bounded by one of these.
struct ClientTimeouts {
  int server_connect_ms = 15'000;  // TCP connect to one SOCKS server; then the next is tried
  int reply_ms = 130'000;          // CONNECT reply / BIND first reply (sockd allows 2 minutes)
  int accept_ms = 130'000;         // BIND second reply, in a blocking Raccept
};

struct ClientContext {
  ClientEnvironment env;
  std::vector<ServerAddress> default_servers;  // parsed SOCKS_SERVER
  std::optional<RoutingConfig> config;         // nullopt: no socks.conf
  ClientTimeouts timeouts;
};

// Builds a context. Problems (an unreadable SOCKS_CONF, grammar errors, a bad SOCKS_SERVER)
// are appended to `problems` as "FILE:LINE:COLUMN: message" lines. A socks.conf with errors
// gives an empty rule set: everything but loopback is denied rather than silently sent direct.
ClientContext build_context(const ClientEnvironment& env, std::vector<std::string>& problems,
                            ConfFileReader reader = &read_conf_file);

// The process-wide context. Built on first call (thread-safe); problems are reported once
// on stderr, the banner printed once if SOCKS_BANNER is set.
std::shared_ptr<const ClientContext> context();

// Replaces the process-wide context (tests; a later re-read of the configuration).
void replace_context(ClientContext context);

}  // namespace socks4::client
