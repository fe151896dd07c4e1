#include "full_backlog.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "socket_io.h"

namespace socks4::test {
namespace {

UniqueFd start_connect(uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in address = make_address(INADDR_LOOPBACK, port);
  if (fd && connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS)
    fd.reset();
  return fd;
}

}  // namespace

FullBacklogListener::FullBacklogListener() {
  listener_.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = make_address(INADDR_LOOPBACK, 0);
  if (!listener_ ||
      bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_.get(), 0) != 0)
    return;
  port_ = local_port(listener_.get());
  // Backlog 0 still queues one connection; a couple more make sure of it.
  for (int i = 0; i < 3; ++i) {
    UniqueFd fd = start_connect(port_);
    if (!fd) return;
    pollfd p{fd.get(), POLLOUT, 0};
    poll(&p, 1, 100);
    fillers_.push_back(std::move(fd));
  }
  UniqueFd probe = start_connect(port_);
  pollfd p{probe.get(), POLLOUT, 0};
  ok_ = probe && poll(&p, 1, 300) == 0;  // still pending after 300 ms: SYNs are dropped
}

}  // namespace socks4::test
