#include "socks4/conf_address.h"

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

std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string(ip >> 16 & 0xff) + "." +
         std::to_string(ip >> 8 & 0xff) + "." + std::to_string(ip & 0xff);
}

bool looks_like_address(std::string_view text) {
  if (text.empty()) return false;
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
