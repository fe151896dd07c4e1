// The preload's rules for what SOCKS 4 cannot carry, for the supervisor (see uncarried.h).
#include "uncarried.h"

#include <arpa/inet.h>

#include <cerrno>
#include <string>

#include "preload_settings.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/client_ops.h"
#include "socks4/client_socket.h"
#include "socks4/conf_address.h"
#include "socks4/fake_names.h"

namespace socks4::supervisor {
namespace {

bool is_loopback(const sockaddr* address, socklen_t length) {
  if (std::optional<sockaddr_in> four = client::ipv4_destination(address, length)) {
    return (ntohl(four->sin_addr.s_addr) >> 24) == 127;
  }
  return address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6) &&
         IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
}

std::optional<CallAnswer> uncarried(int fd, const sockaddr* address, socklen_t length,
                                    const char* what, const char* variable,
                                    UncarriedPolicy policy) {
  if (client::refused_by_settings(fd, address, length)) return fail(ECONNREFUSED);
  if (is_loopback(address, length) || !preload::socks_configured()) return std::nullopt;
  if (policy == UncarriedPolicy::kRefuse) {
    client::debug_log("fd %d: %s destination: SOCKS 4 cannot carry it; refused (%s=refuse)", fd,
                      what, variable);
    return fail(ENETUNREACH);
  }
  return std::nullopt;  // the library connects it directly
}

}  // namespace

std::optional<CallAnswer> answer_uncarried(int fd, const sockaddr_storage& storage,
                                           socklen_t length) {
  const auto* address = reinterpret_cast<const sockaddr*>(&storage);
  if (length < sizeof(sa_family_t) ||
      (address->sa_family != AF_INET && address->sa_family != AF_INET6)) {
    return std::nullopt;  // AF_UNSPEC and the like: the kernel's answer, through the library
  }
  std::optional<sockaddr_in> four = client::ipv4_destination(address, length);
  if (four && is_fake_address(ntohl(four->sin_addr.s_addr))) {
    std::optional<std::string> name = client::remote_name_of(ntohl(four->sin_addr.s_addr));
    if (!name || !client::is_stream_socket(fd)) {
      client::debug_log("fd %d: fake address %s: %s", fd,
                        conf::format_ipv4(ntohl(four->sin_addr.s_addr)).c_str(),
                        name ? "a remote name; SOCKS 4 carries TCP only" : "never handed out");
      return fail(EHOSTUNREACH);
    }
    return std::nullopt;
  }
  if (!client::is_stream_socket(fd)) {
    return uncarried(fd, address, length, "UDP", "SOCKS_UDP", preload::settings().udp);
  }
  if (!four) return uncarried(fd, address, length, "IPv6", "SOCKS_IPV6", preload::settings().ipv6);
  return std::nullopt;
}

}  // namespace socks4::supervisor
