#include "socks4/conf_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace socks4::conf {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Parses 1..max_digits decimal digits into [0, max_value].
std::optional<uint32_t> parse_decimal(std::string_view text, size_t max_digits,
                                      uint32_t max_value) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > max_value) return std::nullopt;
  return value;
}

}  // namespace

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t ip = 0;
  for (int part = 0; part < 4; ++part) {
    size_t dot = text.find('.');
    bool last = part == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    auto octet = parse_decimal(text.substr(0, dot), 3, 255);
    if (!octet) return std::nullopt;
    ip = ip << 8 | *octet;
    if (!last) text.remove_prefix(dot + 1);
  }
  return ip;
}

uint32_t prefix_mask(int length) {
  return length <= 0 ? 0 : ~uint32_t{0} << (32 - (length > 32 ? 32 : length));
}

std::optional<AddressMask> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parse_ipv4(text.substr(0, slash));
  auto length = parse_decimal(text.substr(slash + 1), 2, 32);
  if (!address || !length) return std::nullopt;
  return AddressMask{*address, prefix_mask(static_cast<int>(*length))};
}

bool AddressMask::matches(const IpAddress& ip) const {
  if (matches_everything()) return true;
  if (ip.is_ipv6 != is_ipv6) return false;
  if (!is_ipv6) return (ip.ipv4_host_order() & mask) == (address & mask);
  const int whole = prefix6 / 8, bits = prefix6 % 8;
  if (std::memcmp(ip.bytes.data(), address6.data(), static_cast<size_t>(whole)) != 0) return false;
  if (bits == 0) return true;
  const uint8_t byte_mask = static_cast<uint8_t>(0xff00 >> bits);
  return (ip.bytes[whole] & byte_mask) == (address6[whole] & byte_mask);
}

Ipv6Prefix parse_ipv6_prefix(std::string_view text) {
  const char* kShape = "an IPv6 prefix like [2001:db8::]/32";
  size_t close = text.find(']');
  if (text.substr(0, 1) != "[" || close == std::string_view::npos ||
      text.substr(close, 2) != "]/") {
    return {std::nullopt, kShape};
  }
  std::string_view literal = text.substr(1, close - 1);
  auto length = parse_decimal(text.substr(close + 2), 3, 128);
  char copy[INET6_ADDRSTRLEN + 1];
  std::array<uint8_t, 16> bytes;
  if (!length || literal.empty() || literal.size() >= sizeof copy) return {std::nullopt, kShape};
  std::memcpy(copy, literal.data(), literal.size());
  copy[literal.size()] = '\0';
  if (inet_pton(AF_INET6, copy, bytes.data()) != 1) return {std::nullopt, kShape};
  AddressMask value;
  value.is_ipv6 = true;
  value.prefix6 = static_cast<int>(*length);
  for (int bit = value.prefix6; bit < 128; ++bit)
    bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  value.address6 = bytes;
  // Within ::ffff:0:0/96, or exactly :: or ::1: every address there is matched as IPv4.
  static constexpr std::array<uint8_t, 16> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  AddressMask mapped;
  mapped.is_ipv6 = true;
  mapped.prefix6 = 96;
  mapped.address6 = kMapped;
  const IpAddress raw{true, bytes};
  const bool names_normalised = (value.prefix6 >= 96 && mapped.matches(raw)) ||
                                (value.prefix6 == 128 && !IpAddress::ipv6(bytes).is_ipv6);
  if (names_normalised) {
    return {std::nullopt,
            "an IPv6 prefix outside ::ffff:0:0/96, ::1 and :: (sockd matches "
            "those as IPv4: write the IPv4 address instead)"};
  }
  return {value, {}};
}

std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string(ip >> 16 & 0xff) + "." +
         std::to_string(ip >> 8 & 0xff) + "." + std::to_string(ip & 0xff);
}

std::string format_address_mask(const AddressMask& value) {
  if (value.is_ipv6) {
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, value.address6.data(), text, sizeof text);
    return "[" + std::string(text) + "]/" + std::to_string(value.prefix6);
  }
  for (int length = 0; length <= 32; ++length) {
    if (prefix_mask(length) == value.mask)
      return format_ipv4(value.address) + "/" + std::to_string(length);
  }
  return format_ipv4(value.address) + " " + format_ipv4(value.mask);
}

size_t find_command_colon(std::string_view line) {
  bool in_brackets = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '[') in_brackets = true;
    if (line[i] == ']') in_brackets = false;
    if (line[i] == ':' && !in_brackets) return i;
  }
  return std::string_view::npos;
}

bool looks_like_address(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == '[') return true;
  for (char c : text) {
    if (!is_digit(c) && c != '.' && c != '/') return false;
  }
  return true;
}

std::optional<LineError> parse_address_mask(TokenCursor& cursor, std::string_view role,
                                            AddressMask& out) {
  std::string what = std::string("a ") + std::string(role);
  if (cursor.at_end()) return expected(cursor, what + " address (addr mask, or addr/len)");
  std::string_view text = cursor.peek().text;
  if (text.front() == '[') {
    Ipv6Prefix prefix = parse_ipv6_prefix(text);
    if (!prefix.value) return expected(cursor, what + " address: " + prefix.error);
    cursor.take();
    out = *prefix.value;
    return std::nullopt;
  }
  if (text.find('/') != std::string_view::npos) {
    auto cidr = parse_cidr(text);
    if (!cidr) return expected(cursor, what + " address/prefix like 10.0.0.0/8");
    cursor.take();
    out = *cidr;
    return std::nullopt;
  }
  auto address = parse_ipv4(text);
  if (!address) return expected(cursor, what + " address like 10.0.0.0");
  cursor.take();
  if (cursor.at_end()) {
    return expected(cursor, "a netmask after " + std::string(text) + " (or write " +
                                std::string(text) + "/len)");
  }
  auto mask = parse_ipv4(cursor.peek().text);
  if (!mask) return expected(cursor, "a netmask after " + std::string(text));
  cursor.take();
  out = AddressMask{*address, *mask};
  return std::nullopt;
}

}  // namespace socks4::conf
