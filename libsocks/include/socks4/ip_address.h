// An address as sockd's access rules see it (sockd.conf(5), "How a request is matched"): IPv4
// or IPv6, normalised so that one host has one form. An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) is a.b.c.d, the IPv6 loopback ::1 is 127.0.0.1 and the unspecified :: is
// 0.0.0.0: a deny rule on 127.0.0.0/8 or 0.0.0.0 cannot be dodged by writing the same host
// in IPv6. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace socks4 {

struct IpAddress {
  bool is_ipv6 = false;
  // Network byte order; an IPv4 address is the first 4 bytes, the rest zero.
  std::array<uint8_t, 16> bytes{};

  static IpAddress ipv4(uint32_t host_order);
  // Normalised: mapped, loopback and unspecified forms become IPv4.
  static IpAddress ipv6(const std::array<uint8_t, 16>& network_order);

  // Host byte order; 0 for an IPv6 address.
  uint32_t ipv4_host_order() const;
  // "192.0.2.1" or "2001:db8::1".
  std::string to_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// A dotted quad ("a.b.c.d", decimal parts 0..255, no shortened forms) or an IPv6 literal
// without brackets, normalised. nullopt for anything else.
std::optional<IpAddress> parse_ip_address(std::string_view text);

// True for a destination that no rule can permit: 0.0.0.0/8 ("this host", and :: after
// normalisation), 224.0.0.0/4 (multicast), 255.255.255.255 (broadcast), ff00::/8 (IPv6
// multicast). The returned text names the range for the log line.
std::optional<std::string_view> never_allowed_destination(const IpAddress& address);

}  // namespace socks4
