// Filling a struct hostent for one IPv4 address, in a caller's buffer (the _r variants) or in
// per-thread storage (the classic ones).
#pragma once

#include <netdb.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace socks4::preload {

// Lays out the name, an empty alias list and a one-address list in `buffer`. Returns 0, or
// ERANGE when the buffer is too small.
int fill_hostent(const std::string& name, uint32_t ip, hostent* out, char* buffer, size_t size);

// The same in storage owned by the calling thread (valid until its next call).
hostent* thread_hostent(const std::string& name, uint32_t ip);

}  // namespace socks4::preload
