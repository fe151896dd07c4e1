#include "socks4/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

#include "socks4/conf_address.h"

namespace socks4 {
namespace {

bool all_zero(const uint8_t* bytes, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

}  // namespace

IpAddress IpAddress::ipv4(uint32_t host_order) {
  IpAddress address;
  address.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  address.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  address.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  address.bytes[3] = static_cast<uint8_t>(host_order);
  return address;
}

IpAddress IpAddress::ipv6(const std::array<uint8_t, 16>& network_order) {
  const uint8_t* b = network_order.data();
  if (all_zero(b, 10) && b[10] == 0xff && b[11] == 0xff) {  // ::ffff:a.b.c.d
    return ipv4(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 | b[15]);
  }
  if (all_zero(b, 15) && (b[15] == 0 || b[15] == 1)) {  // :: and ::1
    return ipv4(b[15] == 1 ? 0x7f000001 : 0);
  }
  IpAddress address;
  address.is_ipv6 = true;
  address.bytes = network_order;
  return address;
}

uint32_t IpAddress::ipv4_host_order() const {
  if (is_ipv6) return 0;
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
}

std::string IpAddress::to_string() const {
  if (!is_ipv6) return conf::format_ipv4(ipv4_host_order());
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  return text;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (auto ip = conf::parse_ipv4(text)) return IpAddress::ipv4(*ip);
  // inet_pton needs a terminated string; an IPv6 literal is at most 45 bytes.
  char copy[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof copy || text.find(':') == std::string_view::npos)
    return std::nullopt;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  std::array<uint8_t, 16> bytes;
  if (inet_pton(AF_INET6, copy, bytes.data()) != 1) return std::nullopt;
  return IpAddress::ipv6(bytes);
}

std::optional<std::string_view> never_allowed_destination(const IpAddress& address) {
  if (address.is_ipv6) {
    if (address.bytes[0] == 0xff) return "IPv6 multicast ff00::/8";
    return std::nullopt;
  }
  const uint32_t ip = address.ipv4_host_order();
  if (ip >> 24 == 0) return "this-host 0.0.0.0/8";
  if (ip == 0xffffffff) return "broadcast 255.255.255.255";
  if (ip >> 28 == 0xe) return "multicast 224.0.0.0/4";
  return std::nullopt;
}

}  // namespace socks4
