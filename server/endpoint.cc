#include "endpoint.h"

#include <arpa/inet.h>

#include <cstring>

namespace sockd {

Endpoint Endpoint::ipv4(uint32_t host_order_ip, uint16_t port) {
  Endpoint endpoint;
  endpoint.family = AF_INET;
  endpoint.port = port;
  uint32_t network = htonl(host_order_ip);
  std::memcpy(endpoint.address.data(), &network, sizeof network);
  return endpoint;
}

Endpoint Endpoint::from_sockaddr(const sockaddr* address) {
  Endpoint endpoint;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    endpoint.family = AF_INET;
    endpoint.port = ntohs(in->sin_port);
    std::memcpy(endpoint.address.data(), &in->sin_addr, 4);
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    endpoint.port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      endpoint.family = AF_INET;
      std::memcpy(endpoint.address.data(), &in6->sin6_addr.s6_addr[12], 4);
    } else {
      endpoint.family = AF_INET6;
      std::memcpy(endpoint.address.data(), &in6->sin6_addr, 16);
    }
  }
  return endpoint;
}

std::optional<uint32_t> Endpoint::ipv4_address() const {
  if (family != AF_INET) return std::nullopt;
  uint32_t network;
  std::memcpy(&network, address.data(), sizeof network);
  return ntohl(network);
}

std::string Endpoint::address_text() const {
  char text[INET6_ADDRSTRLEN] = "?";
  if (family == AF_INET || family == AF_INET6) inet_ntop(family, address.data(), text, sizeof text);
  return text;
}

std::string Endpoint::to_string() const {
  std::string host = address_text();
  if (family == AF_INET6) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

socklen_t Endpoint::to_sockaddr(sockaddr_storage& storage) const {
  std::memset(&storage, 0, sizeof storage);
  if (family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, address.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, address.data(), 16);
  return sizeof(sockaddr_in6);
}

Endpoint local_endpoint(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage));
}

}  // namespace sockd
