// The one registry of sockets with SOCKS state (see client_registry.h).
#include "socks4/client_registry.h"

#include <poll.h>
#include <sys/stat.h>

#include <atomic>
#include <unordered_map>

#include "socks4/client_sys.h"

namespace socks4::client {
namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_map<int, TrackedSocket> sockets;
  std::optional<LastConnect> last_connect;  // guarded by the same mutex
  // Counts kept in step with the entries, read without the lock.
  std::atomic<size_t> size{0};
  std::atomic<size_t> pending{0};
  std::atomic<size_t> watches{0};
};

Registry& registry() {
  static Registry instance;  // never destroyed before other statics that may use it
  return instance;
}

bool same_socket(int fd, const TrackedSocket& socket) {
  struct stat status {};
  return fstat(fd, &status) == 0 && status.st_ino == socket.inode && status.st_dev == socket.device;
}

bool may_be_pending(const TrackedSocket& socket) {
  if (!socket.negotiation || socket.purpose == Purpose::kBindDeferred) return false;
  return socket.progress() == Progress::kPending ||
         (socket.purpose == Purpose::kBind && !socket.accepted);
}

// Brings the lock-free counts in step with one entry after it may have changed.
void recount_locked(TrackedSocket& socket) {
  Registry& r = registry();
  bool pending = may_be_pending(socket);
  if (pending != socket.pending) {
    if (pending) {
      r.pending.fetch_add(1);
    } else {
      r.pending.fetch_sub(1);
    }
    socket.pending = pending;
  }
  size_t watches = socket.watches.size();
  if (watches != socket.counted_watches) {
    r.watches.fetch_add(watches - socket.counted_watches);  // wraps correctly when smaller
    socket.counted_watches = watches;
  }
}

void erase_locked(std::unordered_map<int, TrackedSocket>::iterator at) {
  Registry& r = registry();
  if (at->second.side_fd >= 0) sys().close(at->second.side_fd);
  if (at->second.pending) r.pending.fetch_sub(1);
  r.watches.fetch_sub(at->second.counted_watches);
  r.sockets.erase(at);
  r.size.fetch_sub(1);
}

void insert_locked(int fd, TrackedSocket socket) {
  Registry& r = registry();
  auto old = r.sockets.find(fd);
  if (old != r.sockets.end()) erase_locked(old);
  socket.pending = false;
  socket.counted_watches = 0;
  auto [at, inserted] = r.sockets.emplace(fd, std::move(socket));
  r.size.fetch_add(1);
  recount_locked(at->second);
}

TrackedSocket* lookup_locked(int fd) {
  Registry& r = registry();
  auto found = r.sockets.find(fd);
  if (found == r.sockets.end()) return nullptr;
  if (!same_socket(fd, found->second)) {
    erase_locked(found);  // closed and reused behind our back
    return nullptr;
  }
  return &found->second;
}

// A finished CONNECT stays, so that a repeated connect gets EISCONN (Linux itself would answer
// the first one with 0, and we would send a second request); its destination becomes that of
// a later BIND.
void note_connected_locked(TrackedSocket& socket) {
  if (socket.purpose != Purpose::kConnect || socket.accepted || !socket.negotiation) return;
  socket.accepted = true;  // for a CONNECT: "completion noted"
  registry().last_connect =
      LastConnect{socket.destination, socket.destination_name, socket.negotiation->server()};
}

}  // namespace

RegistryAccess::RegistryAccess() : lock_(registry().mutex) {}

RegistryAccess::~RegistryAccess() {
  if (found_ != nullptr) recount_locked(*found_);
}

TrackedSocket* RegistryAccess::find(int fd) {
  found_ = lookup_locked(fd);
  return found_;
}

void for_each_tracked(const std::function<void(int, TrackedSocket&)>& use) {
  std::lock_guard lock(registry().mutex);
  for (auto& [fd, socket] : registry().sockets) {
    use(fd, socket);
    recount_locked(socket);
  }
}

bool track(int fd, TrackedSocket socket) {
  struct stat status {};
  if (fstat(fd, &status) != 0) return false;
  socket.device = status.st_dev;
  socket.inode = status.st_ino;
  std::lock_guard lock(registry().mutex);
  if (socket.progress() == Progress::kDone) note_connected_locked(socket);
  insert_locked(fd, std::move(socket));
  return true;
}

void forget(int fd) {
  if (!any_tracked()) return;
  std::lock_guard lock(registry().mutex);
  auto found = registry().sockets.find(fd);
  if (found != registry().sockets.end()) erase_locked(found);
}

void copy_tracked(int from, int to) {
  if (!any_tracked() || from == to) return;
  std::lock_guard lock(registry().mutex);
  TrackedSocket* source = lookup_locked(from);
  if (source == nullptr) return;
  // The negotiation belongs to `from`; the copy shows its result.
  TrackedSocket copy;
  copy.purpose = Purpose::kRelayed;
  copy.peer = source->peer;
  copy.peer_length = source->purpose == Purpose::kBind ? 0 : source->peer_length;
  copy.device = source->device;
  copy.inode = source->inode;
  insert_locked(to, std::move(copy));
}

bool any_tracked() {
  return registry().size.load(std::memory_order_relaxed) != 0;
}

bool any_pending() {
  return registry().pending.load(std::memory_order_relaxed) != 0;
}

bool any_watched() {
  return registry().watches.load(std::memory_order_relaxed) != 0;
}

std::optional<Progress> drive(int fd) {
  if (!any_tracked()) return std::nullopt;
  RegistryAccess access;
  TrackedSocket* socket = access.find(fd);
  if (socket == nullptr || socket->purpose == Purpose::kBindDeferred) return std::nullopt;
  if (!socket->negotiation) return Progress::kDone;  // a relayed stream: connected
  Progress progress = socket->negotiation->progress();
  if (progress == Progress::kPending) progress = socket->negotiation->advance(fd);
  if (progress == Progress::kDone) note_connected_locked(*socket);
  return progress;
}

Readiness readiness_locked(int fd, TrackedSocket& socket) {
  if (!socket.negotiation || socket.purpose == Purpose::kBindDeferred) return {};
  Negotiation& negotiation = *socket.negotiation;
  if (negotiation.progress() == Progress::kPending) negotiation.advance(fd);
  Readiness out;
  out.tracked = true;
  switch (negotiation.progress()) {
    case Progress::kPending:
      out.wait_for = negotiation.wanted_events();
      break;
    case Progress::kFailed:
      out.ready = POLLIN | POLLOUT | POLLERR;  // as a plain socket whose connect failed
      break;
    case Progress::kDone:
      if (socket.purpose == Purpose::kConnect) {
        note_connected_locked(socket);
        out.tracked = false;  // an ordinary connected socket from now on
      } else if (!socket.accepted) {
        out.ready = POLLIN;  // the inbound connection is there: accept() will not block
      } else {
        out.tracked = false;
      }
      break;
  }
  return out;
}

Readiness readiness(int fd) {
  if (!any_tracked()) return {};
  RegistryAccess access;
  TrackedSocket* socket = access.find(fd);
  return socket != nullptr ? readiness_locked(fd, *socket) : Readiness{};
}

std::optional<LastConnect> last_connect() {
  std::lock_guard lock(registry().mutex);
  return registry().last_connect;
}

std::optional<int> take_error(int fd) {
  if (!any_tracked()) return std::nullopt;
  std::lock_guard lock(registry().mutex);
  TrackedSocket* socket = lookup_locked(fd);
  if (socket == nullptr || socket->progress() != Progress::kFailed) return std::nullopt;
  int error = socket->negotiation->error();
  erase_locked(registry().sockets.find(fd));
  return error;
}

void lock_registry() {
  registry().mutex.lock();
}

void unlock_registry() {
  registry().mutex.unlock();
}

}  // namespace socks4::client
