// The one registry of sockets with SOCKS state, shared by the client library and the LD_PRELOAD
// layer: negotiations under way (non-blocking CONNECTs, BINDs waiting for the inbound
// connection), finished CONNECTs (a repeated connect gets EISCONN; getpeername shows the
// destination, not the server), failures not yet reported, streams a SOCKS accept handed out,
// binds recorded until listen(2), and the epoll sets a pending socket is in. Any number of
// sockets, used from any thread; one mutex guards it all, the only lock the preload takes
// around fork (docs/ARCHITECTURE.md, "Threads and fork"). An entry remembers the socket's
// inode, so a descriptor closed behind the library's back and reused is never mistaken for it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "socks4/client_negotiation.h"

namespace socks4::client {

enum class Purpose {
  kConnect,      // CONNECT through a server
  kBind,         // SOCKS BIND: the server listens for us
  kRelayed,      // a stream handed out by a SOCKS accept, or a dup of a tracked socket
  kBindDeferred  // bind(2) to the unspecified address and port 0: SOCKS BIND or not at listen(2)
};

// A pending socket in an epoll set: what the program registered, and what the kernel was
// asked for instead while the negotiation runs.
struct EpollWatch {
  int epfd = -1;
  uint32_t user_events = 0;
  uint64_t user_data = 0;
  uint32_t registered = 0;
};

struct TrackedSocket {
  Purpose purpose = Purpose::kConnect;
  std::optional<Negotiation> negotiation;  // none for kRelayed and kBindDeferred
  sockaddr_in destination{};     // CONNECT: where to; BIND: the application server (DSTIP)
  std::string destination_name;  // 4a name, if any
  sockaddr_storage peer{};       // what getpeername(2) shows once connected (0 length: none)
  socklen_t peer_length = 0;
  sockaddr_storage local{};  // kBindDeferred: the address bind(2) was given
  socklen_t local_length = 0;
  // kBindDeferred: a BIND negotiated ahead on a socket of its own, because getsockname(2) asked
  // for the port before listen(2) (tnftp does): listen adopts it, connect(2) closes it. The
  // registry closes it with the entry.
  int side_fd = -1;
  int bind_error = 0;     // kBindDeferred: the BIND negotiated ahead failed; listen(2) fails so
  bool accepted = false;  // BIND: the relayed stream was handed out; CONNECT: completion noted
  std::vector<EpollWatch> watches;
  // Maintained by the registry: a negotiation may still be under way (counted in any_pending).
  bool pending = false;
  size_t counted_watches = 0;
  dev_t device = 0;
  ino_t inode = 0;

  Progress progress() const { return negotiation ? negotiation->progress() : Progress::kDone; }
};

// How a socket looks to poll/select/epoll right now.
struct Readiness {
  bool tracked = false;  // false: the caller polls the socket as usual
  short wait_for = 0;    // events the negotiation waits for (0: nothing to wait for)
  short ready = 0;       // events to report at once, without polling
};

// Starts tracking `fd` (replacing a stale entry). Returns false if fd cannot be fstat'ed.
bool track(int fd, TrackedSocket socket);
// Drops the entry (the socket is being closed, or dup2'ed over).
void forget(int fd);
// dup(2): `to` names the same socket; it shows the same peer, with nothing left to drive.
void copy_tracked(int from, int to);

// Cheap (one atomic load): whether any socket is tracked, pending, or watched in an epoll set.
// The preload's interposers step aside at this cost while a program has none.
bool any_tracked();
bool any_pending();
bool any_watched();

// Moves the negotiation of `fd` forward without blocking. A completed CONNECT stays (a
// repeated connect gets EISCONN); a failed one stays until its error is taken. nullopt when
// `fd` has no negotiation.
std::optional<Progress> drive(int fd);

// What poll/select should do with `fd` (after driving it once).
Readiness readiness(int fd);
// The same for an entry the caller holds under the registry's lock (for_each_tracked).
Readiness readiness_locked(int fd, TrackedSocket& socket);

// The error of a failed negotiation, reported once (SO_ERROR semantics); the entry is dropped.
std::optional<int> take_error(int fd);

// The last CONNECT that went through a SOCKS server: a later BIND names its destination
// (docs/ARCHITECTURE.md, "Path of one preload connect()") and goes to the same server.
struct LastConnect {
  sockaddr_in destination{};
  std::string destination_name;  // 4a name, if the CONNECT was by name
  ServerEndpoint server;
};
std::optional<LastConnect> last_connect();

// Calls `use` with the entry under the registry's lock. Returns false if `fd` is not tracked.
template <typename Use>
bool with_tracked(int fd, Use&& use);
// Calls `use(fd, entry)` for every entry under the lock (no inode check: for epoll sets).
void for_each_tracked(const std::function<void(int, TrackedSocket&)>& use);

// For the preload's fork handlers: the registry's lock, held across fork(2).
void lock_registry();
void unlock_registry();

// --- implementation detail for with_tracked ---
class RegistryAccess {
 public:
  RegistryAccess();
  ~RegistryAccess();  // recounts what the caller may have changed in the entry
  RegistryAccess(const RegistryAccess&) = delete;
  RegistryAccess& operator=(const RegistryAccess&) = delete;
  TrackedSocket* find(int fd);  // with the inode check

 private:
  std::unique_lock<std::mutex> lock_;
  TrackedSocket* found_ = nullptr;
};

template <typename Use>
bool with_tracked(int fd, Use&& use) {
  RegistryAccess access;
  TrackedSocket* socket = access.find(fd);
  if (socket != nullptr) use(*socket);
  return socket != nullptr;
}

}  // namespace socks4::client
