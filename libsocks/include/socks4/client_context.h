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
  // Non-empty when the settings are unusable (a malformed SOCKS_SERVER, a socks.conf with
  // errors or unreadable), saying why: `config` is then an empty rule set and every connection
  // but loopback is refused, IPv6 and UDP ones too, and no name is taken as local for want of
  // a server (the preload's remote names still get fake addresses, whose connects are refused).
  std::string refusal;
};

// Builds a context. Problems (an unreadable SOCKS_CONF, grammar errors, a bad SOCKS_SERVER)
// are appended to `problems`, one line each. Unusable settings fail closed (see `refusal`):
// a malformed SOCKS_SERVER refuses everything but loopback whatever socks.conf says, and a
// socks.conf with errors gives an empty rule set, rather than letting connections go direct.
ClientContext build_context(const ClientEnvironment& env, std::vector<std::string>& problems,
                            ConfFileReader reader = &read_conf_file);

// The process-wide context. Built on first call (thread-safe); problems are reported once
// on stderr, the banner printed once if SOCKS_BANNER is set.
std::shared_ptr<const ClientContext> context();

// Replaces the process-wide context (tests; a later re-read of the configuration).
void replace_context(ClientContext context);

// For the preload's fork handlers: the context's lock, taken before the registry's
// (docs/ARCHITECTURE.md, "Threads and fork"); context() holds it while it builds, and the
// registry never asks for the context under its own lock.
void lock_context();
void unlock_context();

}  // namespace socks4::client
