// Remote names: names only the SOCKS server can resolve (4a). A lookup that cannot (or should
// not) be answered locally gets a fake address from the range of fake_names.h
// (198.18.0.0/15), and a later connect to that address sends the name in a 4a request
// instead. One table serves the library (Rgethostbyname, Rgetaddrinfo) and the LD_PRELOAD
// layer's resolver interposers, and is shared with forked children.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace socks4::client {

// Maps the table now: the preload calls this at load, before the program can fork.
void map_remote_names();

// The fake address for `name` (the same name always gets the same address). nullopt
// when the name cannot travel in a 4a request or the table is full (reported once on stderr).
std::optional<uint32_t> fake_address_for(const std::string& name);

// The name behind a fake address handed out earlier, or nullopt.
std::optional<std::string> remote_name_of(uint32_t ip);  // host byte order

// Whether a lookup of `name` should get a fake address without asking the local
// resolver: a socks.conf name or domain-suffix line sends it through a server.
bool name_routed_by_conf(const std::string& name);
// Whether a name the local resolver does not know may be left to a SOCKS server: some server
// is configured and socks.conf does not deny the name or send it direct. Port rules are not
// considered (the port is not known at lookup time); Rconnect routes again with it.
bool name_may_go_through_server(const std::string& name);

}  // namespace socks4::client
