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

Endpoint Endpoint::from_ip(const socks4::IpAddress& ip, uint16_t port) {
  Endpoint endpoint;
  endpoint.family = ip.is_ipv6 ? AF_INET6 : AF_INET;
  endpoint.port = port;
  endpoint.address = ip.bytes;
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

socks4::IpAddress Endpoint::rule_address() const {
  if (family == AF_INET6) return socks4::IpAddress::ipv6(address);
  return socks4::IpAddress::ipv4(ipv4_address().value_or(0));
}

std::string Endpoint::address_text() const {
  char text[INET6_ADDRSTRLEN] = "?";
  if (family == AF_INET || family == AF_INET6) inet_ntop(family, address.data(), text, sizeof text);
  return text;
}

namespace {

// Decimal digits of `value` at `out`; returns the end. (inet_ntop and snprintf go through
// stdio, which costs more than the rest of a log line: these run twice per connection.)
char* put_decimal(char* out, unsigned value) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) *out++ = digits[--n];
  return out;
}

}  // namespace

const char* Endpoint::format(char (&text)[kTextSize]) const {
  char* out = text;
  if (family == AF_INET) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) *out++ = '.';
      out = put_decimal(out, address[i]);
    }
  } else {
    char host[INET6_ADDRSTRLEN] = "?";
    if (family == AF_INET6) inet_ntop(family, address.data(), host, sizeof host);
    const bool brackets = family == AF_INET6;
    if (brackets) *out++ = '[';
    size_t length = strlen(host);
    std::memcpy(out, host, length);
    out += length;
    if (brackets) *out++ = ']';
  }
  *out++ = ':';
  out = put_decimal(out, port);
  *out = '\0';
  return text;
}

std::string Endpoint::to_string() const {
  char text[kTextSize];
  return format(text);
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
