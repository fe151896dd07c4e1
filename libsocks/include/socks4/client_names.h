// Names only the SOCKS server can resolve (4a), for programs linked with -lsocks: a lookup
// that cannot (or should not) be answered locally gets a placeholder address from the fake
// range of fake_names.h (198.18.0.0/15), and a later Rconnect to that address sends the name
// in a 4a request instead. The LD_PRELOAD layer keeps its own table of the same kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace socks4::client {

// The placeholder for `name` (the same name always gets the same address). nullopt when the
// name cannot travel in a 4a request or the table is full.
std::optional<uint32_t> remote_name_address(const std::string& name);

// The name behind a placeholder handed out earlier, or nullopt.
std::optional<std::string> remote_name_of(uint32_t ip);  // host byte order

// Whether a lookup of `name` should be answered with a placeholder without asking the local
// resolver: a socks.conf name or domain-suffix line sends it through a server.
bool name_routed_by_conf(const std::string& name);
// Whether a name the local resolver does not know may be left to a SOCKS server: some server
// is configured and socks.conf does not deny the name or send it direct. Port rules are not
// considered (the port is not known at lookup time); Rconnect routes again with it.
bool name_may_go_through_server(const std::string& name);

}  // namespace socks4::client
