// The preload's connect (see preload_connect.h): a thin adapter over the client library's
// connect_socket, which routes, negotiates and registers the socket; the preload adds only
// what SOCKS 4 cannot carry and what the layer's own settings decide.
#include "preload_connect.h"

#include <arpa/inet.h>

#include <cerrno>
#include <string>

#include "preload_real.h"
#include "preload_settings.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/client_ops.h"
#include "socks4/client_socket.h"
#include "socks4/conf_address.h"
#include "socks4/errno_result.h"
#include "socks4/fake_names.h"

namespace socks4::preload {
namespace {

// A fake address this process tree never handed out leads nowhere; a remote name over
// UDP cannot travel. 0: the library may connect it.
int remote_name_refusal(int fd, uint32_t ip) {
  std::optional<std::string> name = client::remote_name_of(ip);
  if (!name) {
    client::debug_log("fd %d: %s is a fake address this process tree never handed out", fd,
                      socks4::conf::format_ipv4(ip).c_str());
    return EHOSTUNREACH;
  }
  if (!client::is_stream_socket(fd)) {
    client::debug_log("fd %d: %s (%s) is a remote name; SOCKS 4 carries TCP only", fd,
                      name->c_str(), socks4::conf::format_ipv4(ip).c_str());
    return EHOSTUNREACH;
  }
  return 0;
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
    if (int error = remote_name_refusal(fd, ntohl(four->sin_addr.s_addr))) return fail_with(error);
  } else if (!client::is_stream_socket(fd)) {
    return connect_uncarried(fd, address, length, {"UDP", "SOCKS_UDP", settings().udp});
  } else if (!four) {
    return connect_uncarried(fd, address, length, {"IPv6", "SOCKS_IPV6", settings().ipv6});
  }
  // Routed once, negotiated and registered by the library: nothing is left to infer here.
  return client::as_system_call(client::connect_socket(fd, address, length));
}

}  // namespace socks4::preload
