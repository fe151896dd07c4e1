// The table of sockets with SOCKS state (see client_table.h).
#include "socks4/client_table.h"

#include <poll.h>
#include <sys/stat.h>

#include <unordered_map>

namespace socks4::client {
namespace {

struct Table {
  std::mutex mutex;
  std::unordered_map<int, TrackedSocket> sockets;
  std::optional<LastConnect> last_connect;  // guarded by the same mutex
};

Table& table() {
  static Table instance;  // never destroyed before other statics that may use it
  return instance;
}

bool same_socket(int fd, const TrackedSocket& socket) {
  struct stat status {};
  return fstat(fd, &status) == 0 && status.st_ino == socket.inode && status.st_dev == socket.device;
}

// A finished CONNECT stays in the table, so that a repeated connect gets EISCONN (Linux
// itself would answer the first one with 0, and we would send a second request); its
// destination becomes that of a later BIND.
void note_connected(TrackedSocket& socket) {
  if (socket.purpose != Purpose::kConnect || socket.accepted) return;
  socket.accepted = true;  // for a CONNECT: "completion noted"
  table().last_connect =
      LastConnect{socket.destination, socket.destination_name, socket.negotiation.server()};
}

}  // namespace

std::unique_lock<std::mutex> lock_table() {
  return std::unique_lock(table().mutex);
}

TrackedSocket* lookup_locked(int fd) {
  auto found = table().sockets.find(fd);
  if (found == table().sockets.end()) return nullptr;
  if (!same_socket(fd, found->second)) {
    table().sockets.erase(found);  // closed and reused behind our back
    return nullptr;
  }
  return &found->second;
}

bool track(int fd, TrackedSocket socket) {
  struct stat status {};
  if (fstat(fd, &status) != 0) return false;
  socket.device = status.st_dev;
  socket.inode = status.st_ino;
  auto lock = lock_table();
  table().sockets.insert_or_assign(fd, std::move(socket));
  return true;
}

void forget(int fd) {
  auto lock = lock_table();
  table().sockets.erase(fd);
}

bool is_tracked(int fd) {
  auto lock = lock_table();
  return lookup_locked(fd) != nullptr;
}

std::optional<Progress> drive(int fd) {
  auto lock = lock_table();
  TrackedSocket* socket = lookup_locked(fd);
  if (socket == nullptr) return std::nullopt;
  Progress progress = socket->negotiation.progress();
  if (progress == Progress::kPending) progress = socket->negotiation.advance(fd);
  if (progress == Progress::kDone) note_connected(*socket);
  return progress;
}

Readiness readiness(int fd) {
  auto lock = lock_table();
  TrackedSocket* socket = lookup_locked(fd);
  if (socket == nullptr) return {};
  Negotiation& negotiation = socket->negotiation;
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
      if (socket->purpose == Purpose::kConnect) {
        note_connected(*socket);
        out.tracked = false;  // an ordinary connected socket from now on
      } else if (!socket->accepted) {
        out.ready = POLLIN;  // the inbound connection is there: accept() will not block
      } else {
        out.tracked = false;
      }
      break;
  }
  return out;
}

void remember_last_connect(const TrackedSocket& connected) {
  auto lock = lock_table();
  table().last_connect = LastConnect{connected.destination, connected.destination_name,
                                     connected.negotiation.server()};
}

std::optional<LastConnect> last_connect() {
  auto lock = lock_table();
  return table().last_connect;
}

std::optional<int> take_error(int fd) {
  auto lock = lock_table();
  TrackedSocket* socket = lookup_locked(fd);
  if (socket == nullptr || socket->negotiation.progress() != Progress::kFailed) {
    return std::nullopt;
  }
  int error = socket->negotiation.error();
  table().sockets.erase(fd);
  return error;
}

}  // namespace socks4::client
