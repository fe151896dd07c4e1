// The supervisor's answers to a supervised program's DNS queries (its own resolver: Go's, c-ares,
// a static libc's): the same decisions as the preload's resolver interposers. A name left to the
// SOCKS server gets a placeholder address from the client library's remote-name table
// (client_names.h), so the program's later connect to it becomes a 4a request with the name;
// other names are looked up here, by this host's resolver.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "socks4/name_policy.h"

namespace socks4::supervisor {

// The response to one query message, or empty to send none (not a standard query).
// `mode` is SOCKS_RESOLVE's (never kLocal: then queries go to the nameserver untouched).
std::vector<uint8_t> answer_query(const uint8_t* query, size_t length, ResolveMode mode);

}  // namespace socks4::supervisor
