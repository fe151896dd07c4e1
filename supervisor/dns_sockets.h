// The UDP sockets of a supervised program whose DNS queries the supervisor sends to its own DNS
// server, with the nameserver each was meant for: recvfrom(2) and getpeername(2) name that
// nameserver, since resolvers (c-ares, musl) drop answers from any other address. Keyed by the
// socket (device and inode); bounded, the oldest entries go first.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include "socket_table.h"

namespace socks4::supervisor {

struct Nameserver {
  sockaddr_storage address{};
  socklen_t length = 0;
};

// `remember(fd, nameserver)` with the supervisor's duplicate of the program's socket.
using DnsSockets = SocketTable<Nameserver, 4096>;

}  // namespace socks4::supervisor
