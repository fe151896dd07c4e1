// connect(2) of the preload: fake addresses become 4a CONNECTs by name, IPv4 (and v4-mapped)
// TCP destinations are routed by the client library, and what SOCKS 4 cannot carry (pure
// IPv6, UDP) goes direct or is refused, as configured, with the reason under SOCKS_DEBUG.
#pragma once

#include <sys/socket.h>

namespace socks4::preload {

int preload_connect(int fd, const sockaddr* address, socklen_t length);

}  // namespace socks4::preload
