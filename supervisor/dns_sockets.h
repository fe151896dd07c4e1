// The UDP sockets of a supervised program whose DNS queries the supervisor sends to its own DNS
// server, with the nameserver each was meant for: recvfrom(2) and getpeername(2) name that
// nameserver, since resolvers (c-ares, musl) drop answers from any other address. Keyed by the
// socket (device and inode); bounded, the oldest entries go first.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace socks4::supervisor {

struct Nameserver {
  sockaddr_storage address{};
  socklen_t length = 0;
};

class DnsSockets {
 public:
  static constexpr size_t kMaxEntries = 4096;

  // `fd`: the supervisor's duplicate of the program's socket.
  void remember(int fd, const Nameserver& nameserver);
  std::optional<Nameserver> lookup(int fd);

 private:
  using Key = std::pair<dev_t, ino_t>;
  std::mutex mutex_;
  std::map<Key, Nameserver> entries_;
  std::deque<Key> order_;
};

}  // namespace socks4::supervisor
