// Sockets with SOCKS state: negotiations under way (non-blocking connects, BINDs waiting for
// the inbound connection) and failures not yet reported. Any number of sockets, used from any
// thread; one mutex guards the table. An entry remembers the socket's inode, so a descriptor
// closed behind the library's back and reused for another socket is never mistaken for it.
//
// The driving API (pending_events / drive / take_error / forget) is what poll, select and
// epoll interposers of the LD_PRELOAD layer use.
#pragma once

#include <netinet/in.h>
#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>

#include "socks4/client_negotiation.h"

namespace socks4::client {

enum class Purpose { kConnect, kBind };

struct TrackedSocket {
  Purpose purpose = Purpose::kConnect;
  Negotiation negotiation;
  sockaddr_in destination{};     // CONNECT: where to; BIND: the application server (DSTIP)
  std::string destination_name;  // 4a name, if any
  bool accepted = false;         // BIND: the relayed stream was handed out by Raccept
  dev_t device = 0;
  ino_t inode = 0;
};

// How a socket looks to poll/select right now.
struct Readiness {
  bool tracked = false;  // false: the caller polls the socket as usual
  short wait_for = 0;    // events the negotiation waits for (0: nothing to wait for)
  short ready = 0;       // events to report at once, without polling
};

// Starts tracking `fd` (replacing a stale entry). Returns false if fd cannot be fstat'ed.
bool track(int fd, TrackedSocket socket);
// Drops the entry (the socket is being closed, or the negotiation is over).
void forget(int fd);
bool is_tracked(int fd);

// Moves the negotiation of `fd` forward without blocking. A completed CONNECT stays (a
// repeated connect gets EISCONN); a failed one stays until its error is taken. nullopt when `fd` is
// not tracked.
std::optional<Progress> drive(int fd);

// What poll/select should do with `fd` (after driving it once).
Readiness readiness(int fd);

// The error of a failed negotiation, reported once (SO_ERROR semantics); the entry is dropped.
std::optional<int> take_error(int fd);

// The last CONNECT that went through a SOCKS server: a later BIND names its destination
// (DESIGN.md §1) and goes to the same server.
struct LastConnect {
  sockaddr_in destination{};
  std::string destination_name;  // 4a name, if the CONNECT was by name
  ServerEndpoint server;
};
void remember_last_connect(const TrackedSocket& connected);
std::optional<LastConnect> last_connect();

// Calls `use` with the entry under the table's lock. Returns false if `fd` is not tracked.
template <typename Use>
bool with_tracked(int fd, Use&& use);

// --- implementation detail for with_tracked ---
std::unique_lock<std::mutex> lock_table();
TrackedSocket* lookup_locked(int fd);

template <typename Use>
bool with_tracked(int fd, Use&& use) {
  std::unique_lock<std::mutex> lock = lock_table();
  TrackedSocket* socket = lookup_locked(fd);
  if (socket != nullptr) use(*socket);
  return socket != nullptr;
}

}  // namespace socks4::client
