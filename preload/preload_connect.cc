// The preload's connect (see preload_connect.h).
#include "preload_connect.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "preload_names.h"
#include "preload_real.h"
#include "preload_registry.h"
#include "preload_settings.h"
#include "socks4/client_log.h"
#include "socks4/client_ops.h"
#include "socks4/client_socket.h"
#include "socks4/client_table.h"
#include "socks4/errno_result.h"

namespace socks4::preload {
namespace {

std::string ipv4_text(uint32_t ip) {
  in_addr a{htonl(ip)};
  char text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

// A connect that succeeded or is in progress through a server: remember what the program asked
// for, so getpeername shows it.
void note_proxied(int fd, int rc, const sockaddr* address, socklen_t length) {
  int saved = errno;
  if (rc == 0 || errno == EINPROGRESS) {
    register_socket(fd, Role::kConnected, address, length, rc != 0);
  }
  errno = saved;
}

// Whether a blocking connect that returned 0 went through a server: the kernel's peer is then
// the server, not the destination.
bool went_through_server(int fd, const sockaddr_in& destination) {
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  if (real().getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return false;
  std::optional<sockaddr_in> actual =
      client::ipv4_destination(reinterpret_cast<sockaddr*>(&peer), length);
  return !actual || actual->sin_addr.s_addr != destination.sin_addr.s_addr ||
         actual->sin_port != destination.sin_port;
}

int connect_to_name(int fd, const sockaddr_in& destination, const sockaddr* address,
                    socklen_t length) {
  uint32_t ip = ntohl(destination.sin_addr.s_addr);
  std::optional<std::string> name = remote_name_of(ip);
  if (!name) {
    client::debug_log("fd %d: %s is a remote-name address this process tree never handed out", fd,
                      ipv4_text(ip).c_str());
    return fail_with(EHOSTUNREACH);
  }
  if (!client::is_stream_socket(fd)) {
    client::debug_log("fd %d: %s (%s) is a remote name; SOCKS 4 carries TCP only", fd,
                      name->c_str(), ipv4_text(ip).c_str());
    return fail_with(EHOSTUNREACH);
  }
  int rc = client::connect_socket_to_name(fd, *name, ntohs(destination.sin_port));
  note_proxied(fd, rc, address, length);
  return rc;
}

int connect_ipv4(int fd, const sockaddr_in& destination, const sockaddr* address,
                 socklen_t length) {
  int rc = client::connect_socket(fd, address, length);
  int saved = errno;
  bool proxied = rc == 0 ? went_through_server(fd, destination)
                         : saved == EINPROGRESS && client::is_tracked(fd);
  errno = saved;
  if (proxied) note_proxied(fd, rc, address, length);
  return rc;
}

bool is_loopback(const sockaddr* address, socklen_t length) {
  if (std::optional<sockaddr_in> four = client::ipv4_destination(address, length)) {
    return (ntohl(four->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return false;
}

// IPv6 or UDP: what SOCKS 4 cannot carry.
struct Uncarried {
  const char* what;      // for the trace
  const char* variable;  // the setting that decided
  UncarriedPolicy policy;
};

int connect_uncarried(int fd, const sockaddr* address, socklen_t length, const Uncarried& kind) {
  if (client::refused_by_settings(fd, address, length)) return fail_with(ECONNREFUSED);
  if (is_loopback(address, length) || !socks_configured()) {
    return real().connect(fd, address, length);
  }
  if (kind.policy == UncarriedPolicy::kRefuse) {
    client::debug_log("fd %d: %s destination: SOCKS 4 cannot carry it; refused (%s=refuse)", fd,
                      kind.what, kind.variable);
    return fail_with(ENETUNREACH);
  }
  client::debug_log("fd %d: %s destination: SOCKS 4 cannot carry it; connecting directly (%s)", fd,
                    kind.what, kind.variable);
  return real().connect(fd, address, length);
}

}  // namespace

int preload_connect(int fd, const sockaddr* address, socklen_t length) {
  if (address == nullptr || length < sizeof(sa_family_t) ||
      (address->sa_family != AF_INET && address->sa_family != AF_INET6)) {
    return real().connect(fd, address, length);
  }
  std::optional<sockaddr_in> four = client::ipv4_destination(address, length);
  if (four && is_fake_address(ntohl(four->sin_addr.s_addr))) {
    return connect_to_name(fd, *four, address, length);
  }
  if (!client::is_stream_socket(fd)) {
    return connect_uncarried(fd, address, length, {"UDP", "SOCKS_UDP", settings().udp});
  }
  if (!four) return connect_uncarried(fd, address, length, {"IPv6", "SOCKS_IPV6", settings().ipv6});
  return connect_ipv4(fd, *four, address, length);
}

}  // namespace socks4::preload
