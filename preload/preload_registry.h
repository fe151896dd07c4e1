// Descriptors the preload has sent through a SOCKS server, with what the program must see of
// them: the peer it asked for (the server's address is none of its business) and whether a
// negotiation may still be under way. The client library keeps the negotiation itself; this
// registry lets every other interposer step aside at the cost of one atomic load while a
// program has no such socket (most programs, most of the time).
#pragma once

#include <sys/socket.h>

#include <optional>

namespace socks4::preload {

enum class Role {
  kConnected,  // CONNECT through a server (or a name connect): peer is the destination
  kBound,      // SOCKS BIND: listening at the server; accept() hands out the relayed stream
};

struct ProxiedSocket {
  Role role = Role::kConnected;
  sockaddr_storage peer{};
  socklen_t peer_length = 0;
};

// `pending`: a negotiation may still be running (a non-blocking CONNECT, a BIND before accept).
void register_socket(int fd, Role role, const sockaddr* peer, socklen_t peer_length, bool pending);
std::optional<ProxiedSocket> registered(int fd);  // nullopt also for a reused descriptor
void unregister_socket(int fd);                   // close(), or dup2() over it
void copy_registration(int from, int to);         // dup()

bool any_registered();  // cheap
bool any_pending();     // cheap
// Marks as settled every pending socket whose negotiation is over (or gone).
void settle_finished();

// For the fork handlers: the registry's lock.
void lock_registry();
void unlock_registry();

}  // namespace socks4::preload
