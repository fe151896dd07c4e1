// Socket facts and the blocking negotiation driver.
#include "socks4/client_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "socks4/client_sys.h"

namespace socks4::client {

bool is_stream_socket(int fd) {
  int type = 0;
  socklen_t length = sizeof type;
  return sys().getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == SOCK_STREAM;
}

int socket_family(int fd) {
  int family = -1;
  socklen_t length = sizeof family;
  if (sys().getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &length) != 0) return -1;
  return family;
}

bool is_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

std::optional<sockaddr_in> ipv4_destination(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in out;
    std::memcpy(&out, address, sizeof out);
    return out;
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 six;
    std::memcpy(&six, address, sizeof six);
    if (!IN6_IS_ADDR_V4MAPPED(&six.sin6_addr)) return std::nullopt;
    sockaddr_in out{};
    out.sin_family = AF_INET;
    out.sin_port = six.sin6_port;
    std::memcpy(&out.sin_addr, &six.sin6_addr.s6_addr[12], 4);
    return out;
  }
  return std::nullopt;
}

void store_address(int family, uint32_t ip, uint16_t port, sockaddr* out, socklen_t* length) {
  sockaddr_storage full{};
  socklen_t size;
  if (family == AF_INET6) {
    auto* six = reinterpret_cast<sockaddr_in6*>(&full);
    six->sin6_family = AF_INET6;
    six->sin6_port = htons(port);
    six->sin6_addr.s6_addr[10] = 0xff;
    six->sin6_addr.s6_addr[11] = 0xff;
    uint32_t net = htonl(ip);
    std::memcpy(&six->sin6_addr.s6_addr[12], &net, 4);
    size = sizeof(sockaddr_in6);
  } else {
    auto* four = reinterpret_cast<sockaddr_in*>(&full);
    four->sin_family = AF_INET;
    four->sin_port = htons(port);
    four->sin_addr.s_addr = htonl(ip);
    size = sizeof(sockaddr_in);
  }
  if (out != nullptr && length != nullptr) {
    std::memcpy(out, &full, std::min(*length, size));
  }
  if (length != nullptr) *length = size;
}

Progress run_negotiation(int fd, Negotiation& negotiation, RunUntil until) {
  int flags = fcntl(fd, F_GETFL);
  bool set_nonblocking = flags >= 0 && (flags & O_NONBLOCK) == 0;
  if (set_nonblocking) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  Progress progress = negotiation.start(fd);
  auto finished = [&] {
    return progress != Progress::kPending || (until == RunUntil::kBound && negotiation.bound());
  };
  while (!finished()) {
    pollfd p{fd, negotiation.wanted_events(), 0};
    sys().poll(&p, 1, negotiation.remaining_ms());  // EINTR: just look again
    progress = negotiation.advance(fd);             // also times the step out
  }
  if (set_nonblocking) {
    int saved = errno;
    fcntl(fd, F_SETFL, flags);
    errno = saved;
  }
  return progress;
}

}  // namespace socks4::client
