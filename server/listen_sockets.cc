#include "listen_sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sockd {
namespace {

constexpr int kBacklog = 4096;  // the kernel caps it at net.core.somaxconn

// The first socket of an address binds without SO_REUSEPORT: the bind fails with EADDRINUSE if
// any other socket listens there, even another sockd of the same user that would otherwise join
// the group and take a share of the clients. It sets SO_REUSEPORT before listen(), so that the
// other workers' sockets join it. Two instances started within the same instant could both
// pass the probe between one's bind and its listen; that window is microseconds wide.
socks4::UniqueFd bind_one(const Endpoint& endpoint, bool first, std::string* error) {
  socks4::UniqueFd fd(socket(endpoint.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    *error = strerror(errno);
    return fd;
  }
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!first) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  // Accepted sockets inherit it: relayed small writes go out at once, and no accept pays a
  // setsockopt() of its own.
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // [::] means IPv6 only, so that 0.0.0.0 and [::] can be listed side by side.
  if (endpoint.family == AF_INET6)
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  sockaddr_storage address;
  socklen_t length = endpoint.to_sockaddr(address);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      (first && setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
      listen(fd.get(), kBacklog) != 0) {
    *error = strerror(errno);
    fd.reset();
  }
  return fd;
}

}  // namespace

bool bind_listen_sockets(const std::vector<socks4::conf::ListenAddress>& addresses, int copies,
                         std::vector<BoundAddress>* bound, std::string* error) {
  for (const auto& listen : addresses) {
    Endpoint endpoint;
    endpoint.port = listen.port;
    if (inet_pton(AF_INET, listen.host.c_str(), endpoint.address.data()) == 1) {
      endpoint.family = AF_INET;
    } else if (inet_pton(AF_INET6, listen.host.c_str(), endpoint.address.data()) == 1) {
      endpoint.family = AF_INET6;
    } else {
      *error = "cannot listen on " + listen.host + ": not a numeric address";
      return false;
    }
    BoundAddress entry;
    for (int i = 0; i < copies; ++i) {
      std::string reason;
      socks4::UniqueFd fd = bind_one(endpoint, i == 0, &reason);
      if (!fd) {
        *error = "cannot listen on " + endpoint.to_string() + ": " + reason;
        return false;
      }
      // Port 0: the first socket got a free port; the others join it there.
      if (i == 0) endpoint = local_endpoint(fd.get());
      entry.sockets.push_back(std::move(fd));
    }
    entry.endpoint = endpoint;
    entry.proxy_protocol = listen.proxy_protocol;
    bound->push_back(std::move(entry));
  }
  return true;
}

bool adopt_listen_sockets(const std::vector<int>& passed, int copies,
                          const std::vector<socks4::conf::ListenAddress>& configured,
                          std::vector<BoundAddress>* bound, std::string* error) {
  for (int fd : passed) {
    socks4::UniqueFd owned(fd);
    int type = 0;
    int listening = 0;
    socklen_t length = sizeof type;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length);
    length = sizeof listening;
    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length);
    Endpoint endpoint = local_endpoint(fd);
    if (type != SOCK_STREAM || !listening || endpoint.family == AF_UNSPEC) {
      *error = "socket " + std::to_string(fd) +
               " passed by the service manager is not a listening TCP socket (IPv4 or IPv6)";
      return false;
    }
    const int flags = fcntl(fd, F_GETFL);
    int one = 1;
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
      *error =
          "socket " + std::to_string(fd) + " passed by the service manager: " + strerror(errno);
      return false;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    BoundAddress entry;
    entry.endpoint = endpoint;
    for (const auto& listen : configured) {
      Endpoint wanted;
      wanted.family = endpoint.family;
      wanted.port = listen.port;
      if (listen.proxy_protocol && listen.port == endpoint.port &&
          inet_pton(endpoint.family, listen.host.c_str(), wanted.address.data()) == 1 &&
          wanted.address == endpoint.address)
        entry.proxy_protocol = true;
    }
    for (int i = 1; i < copies; ++i) {
      socks4::UniqueFd copy(fcntl(fd, F_DUPFD_CLOEXEC, 0));
      if (!copy) {
        *error = std::string("cannot duplicate a passed socket: ") + strerror(errno);
        return false;
      }
      entry.sockets.push_back(std::move(copy));
    }
    entry.sockets.insert(entry.sockets.begin(), std::move(owned));
    bound->push_back(std::move(entry));
  }
  return true;
}

}  // namespace sockd
