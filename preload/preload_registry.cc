// The preload's descriptor registry (see preload_registry.h).
#include "preload_registry.h"

#include <sys/stat.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "socks4/client_table.h"

namespace socks4::preload {
namespace {

struct Entry {
  ProxiedSocket socket;
  bool pending = false;
  dev_t device = 0;  // a descriptor closed behind our back and reused is another socket
  ino_t inode = 0;
};

struct Registry {
  std::mutex mutex;
  std::unordered_map<int, Entry> entries;
  std::atomic<size_t> size{0};
  std::atomic<size_t> pending{0};
};

Registry& registry() {
  static Registry instance;
  return instance;
}

bool identify(int fd, Entry& entry) {
  struct stat status {};
  if (fstat(fd, &status) != 0) return false;
  entry.device = status.st_dev;
  entry.inode = status.st_ino;
  return true;
}

void erase_locked(Registry& r, std::unordered_map<int, Entry>::iterator at) {
  if (at->second.pending) r.pending.fetch_sub(1);
  r.entries.erase(at);
  r.size.fetch_sub(1);
}

void insert_locked(Registry& r, int fd, Entry entry) {
  auto old = r.entries.find(fd);
  if (old != r.entries.end()) erase_locked(r, old);
  if (entry.pending) r.pending.fetch_add(1);
  r.entries.emplace(fd, std::move(entry));
  r.size.fetch_add(1);
}

// Still pending as far as the client library knows.
bool negotiation_pending(int fd, Role role) {
  bool pending = false;
  client::with_tracked(fd, [&](client::TrackedSocket& s) {
    pending = s.negotiation.progress() == client::Progress::kPending ||
              (role == Role::kBound && !s.accepted);
  });
  return pending;
}

}  // namespace

void register_socket(int fd, Role role, const sockaddr* peer, socklen_t peer_length, bool pending) {
  Entry entry;
  entry.socket.role = role;
  if (peer != nullptr) {
    entry.socket.peer_length =
        std::min<socklen_t>(peer_length, static_cast<socklen_t>(sizeof entry.socket.peer));
    std::memcpy(&entry.socket.peer, peer, entry.socket.peer_length);
  }
  entry.pending = pending;
  if (!identify(fd, entry)) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  insert_locked(r, fd, std::move(entry));
}

std::optional<ProxiedSocket> registered(int fd) {
  if (!any_registered()) return std::nullopt;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto found = r.entries.find(fd);
  if (found == r.entries.end()) return std::nullopt;
  struct stat status {};
  if (fstat(fd, &status) != 0 || status.st_ino != found->second.inode ||
      status.st_dev != found->second.device) {
    erase_locked(r, found);
    return std::nullopt;
  }
  return found->second.socket;
}

void unregister_socket(int fd) {
  if (!any_registered()) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto found = r.entries.find(fd);
  if (found != r.entries.end()) erase_locked(r, found);
}

void copy_registration(int from, int to) {
  if (!any_registered() || from == to) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto found = r.entries.find(from);
  if (found == r.entries.end()) return;
  Entry copy = found->second;
  copy.pending = false;  // the negotiation belongs to `from`; the copy is its finished result
  insert_locked(r, to, std::move(copy));
}

bool any_registered() {
  return registry().size.load(std::memory_order_relaxed) != 0;
}

bool any_pending() {
  return registry().pending.load(std::memory_order_relaxed) != 0;
}

void settle_finished() {
  if (!any_pending()) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (auto& [fd, entry] : r.entries) {
    if (entry.pending && !negotiation_pending(fd, entry.socket.role)) {
      entry.pending = false;
      r.pending.fetch_sub(1);
    }
  }
}

void lock_registry() {
  registry().mutex.lock();
}

void unlock_registry() {
  registry().mutex.unlock();
}

}  // namespace socks4::preload
