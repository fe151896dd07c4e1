// The supervisor's tables keyed by a program's socket. The program's descriptor numbers are its
// own (and reused), so a socket is named by its device and inode, read from the supervisor's
// duplicate. Bounded: once full, the oldest entry goes first.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

namespace socks4::supervisor {

using SocketKey = std::pair<dev_t, ino_t>;

// The key of the socket `fd` refers to; nullopt if fstat fails.
std::optional<SocketKey> socket_key(int fd);

template <typename Value, size_t kMaxEntries>
class SocketTable {
 public:
  static constexpr size_t kCapacity = kMaxEntries;

  // `fd`: the supervisor's duplicate of the program's socket.
  void remember(int fd, const Value& value) {
    std::optional<SocketKey> key = socket_key(fd);
    if (!key) return;
    std::lock_guard lock(mutex_);
    if (entries_.insert_or_assign(*key, value).second) order_.push_back(*key);
    while (order_.size() > kMaxEntries) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }

  std::optional<Value> lookup(int fd) {
    std::optional<SocketKey> key = socket_key(fd);
    if (!key) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(*key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::map<SocketKey, Value> entries_;
  std::deque<SocketKey> order_;
};

}  // namespace socks4::supervisor
