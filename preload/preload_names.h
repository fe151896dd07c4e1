// The process tree's fake-address table and the resolver decision built on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "socks4/fake_names.h"

namespace socks4::preload {

// The table, mapped when the library is loaded (before the program can fork), so a program
// and all its children share it. nullptr if the mapping failed (remote names are then off).
FakeNames* fake_names();

// A fake address (host byte order) for `name` if it is to be resolved remotely: SOCKS is
// configured, the name is not local by nature, and SOCKS_RESOLVE says so. In fallback mode,
// call this only after the local lookup failed with an error that means "unknown here".
std::optional<uint32_t> remote_address_for(const char* name);

// Whether a socks.conf line naming this host or its domain sends it through a server: such a
// name is remote at once, even in fallback mode (no local query leaks it).
bool conf_sends_name_through_server(const char* name);

// The name behind a fake address (host byte order), if known.
std::optional<std::string> remote_name_of(uint32_t ip);

}  // namespace socks4::preload
