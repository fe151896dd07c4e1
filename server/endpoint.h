// A compact IPv4/IPv6 address and port: small enough to keep in every relay for its log line.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "socks4/ip_address.h"

namespace sockd {

struct Endpoint {
  sa_family_t family = AF_UNSPEC;     // AF_INET or AF_INET6
  uint16_t port = 0;                  // host byte order
  std::array<uint8_t, 16> address{};  // network order; the first 4 bytes for IPv4

  static Endpoint ipv4(uint32_t host_order_ip, uint16_t port);
  // `ip` as it stands (a normalised address: ::1 is 127.0.0.1).
  static Endpoint from_ip(const socks4::IpAddress& ip, uint16_t port);
  // IPv4-mapped IPv6 addresses become plain IPv4. AF_UNSPEC family for anything else.
  static Endpoint from_sockaddr(const sockaddr* address);

  // Host byte order IPv4 address, nullopt for IPv6.
  std::optional<uint32_t> ipv4_address() const;
  // The address as the access rules see it (normalised: ::1 is 127.0.0.1, :: is 0.0.0.0).
  socks4::IpAddress rule_address() const;
  // "1.2.3.4" or "::1".
  std::string address_text() const;
  // "1.2.3.4:80" or "[::1]:80".
  std::string to_string() const;
  // The same into a caller's buffer, without allocating (for log lines on the hot path).
  static constexpr size_t kTextSize = INET6_ADDRSTRLEN + 9;
  const char* format(char (&text)[kTextSize]) const;
  // Fills `storage`; returns its length.
  socklen_t to_sockaddr(sockaddr_storage& storage) const;
};

// The local address of a bound socket, or AF_UNSPEC.
Endpoint local_endpoint(int fd);

}  // namespace sockd
