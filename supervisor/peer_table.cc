// The supervisor's table of SOCKS peers (see peer_table.h).
#include "peer_table.h"

#include <sys/stat.h>

#include <cstring>

namespace socks4::supervisor {
namespace {

std::optional<std::pair<dev_t, ino_t>> key_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

}  // namespace

void PeerTable::remember(int fd, const KnownPeer& peer) {
  std::optional<Key> key = key_of(fd);
  if (!key) return;
  std::lock_guard lock(mutex_);
  if (entries_.insert_or_assign(*key, peer).second) order_.push_back(*key);
  while (order_.size() > kMaxEntries) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<KnownPeer> PeerTable::lookup(int fd) {
  std::optional<Key> key = key_of(fd);
  if (!key) return std::nullopt;
  std::optional<KnownPeer> found;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(*key);
    if (it == entries_.end()) return std::nullopt;
    found = it->second;
  }
  sockaddr_storage actual{};
  socklen_t length = sizeof actual;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&actual), &length) != 0 ||
      length != found->server_length || std::memcmp(&actual, &found->server, length) != 0) {
    return std::nullopt;  // another socket now, or no longer connected
  }
  return found;
}

}  // namespace socks4::supervisor
