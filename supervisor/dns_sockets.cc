// The supervisor's table of redirected DNS sockets (see dns_sockets.h).
#include "dns_sockets.h"

#include <sys/stat.h>

namespace socks4::supervisor {
namespace {

std::optional<std::pair<dev_t, ino_t>> key_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

}  // namespace

void DnsSockets::remember(int fd, const Nameserver& nameserver) {
  std::optional<Key> key = key_of(fd);
  if (!key) return;
  std::lock_guard lock(mutex_);
  if (entries_.insert_or_assign(*key, nameserver).second) order_.push_back(*key);
  while (order_.size() > kMaxEntries) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
}

std::optional<Nameserver> DnsSockets::lookup(int fd) {
  std::optional<Key> key = key_of(fd);
  if (!key) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(*key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace socks4::supervisor
