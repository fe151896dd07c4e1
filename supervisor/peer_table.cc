// The supervisor's table of SOCKS peers (see peer_table.h).
#include "peer_table.h"

#include <cstring>

namespace socks4::supervisor {

std::optional<KnownPeer> PeerTable::lookup(int fd) {
  std::optional<KnownPeer> found = table_.lookup(fd);
  if (!found) return std::nullopt;
  sockaddr_storage actual{};
  socklen_t length = sizeof actual;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&actual), &length) != 0 ||
      length != found->server_length || std::memcmp(&actual, &found->server, length) != 0) {
    return std::nullopt;  // another socket now, or no longer connected
  }
  return found;
}

}  // namespace socks4::supervisor
