// What getpeername(2) shows for a program's socket the supervisor connected through a SOCKS
// server: the destination, not the server. Keyed by the socket itself (device and inode), since
// the program's descriptor numbers are its own; an entry is believed only while the socket is
// still connected to the server it went through, so a socket closed and its inode reused is
// never mistaken for it. Bounded: the oldest entries go first.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <optional>

#include "socket_table.h"

namespace socks4::supervisor {

struct KnownPeer {
  sockaddr_storage peer{};  // what the program sees
  socklen_t peer_length = 0;
  sockaddr_storage server{};  // what the kernel sees: the SOCKS server
  socklen_t server_length = 0;
};

class PeerTable {
 public:
  // About 350 bytes each: some 6 MiB at most. A program holding more sockets through a server
  // at once sees the kernel's peer (the server) for the oldest.
  static constexpr size_t kMaxEntries = 16384;

  // `fd`: the supervisor's duplicate of the program's socket, connected through a server.
  void remember(int fd, const KnownPeer& peer) { table_.remember(fd, peer); }
  // The destination for the socket `fd` names, if it is still connected to that server.
  std::optional<KnownPeer> lookup(int fd);

 private:
  SocketTable<KnownPeer, kMaxEntries> table_;
};

}  // namespace socks4::supervisor
