// Addresses and masks as both grammars write them: "10.0.0.0 255.0.0.0" (NEC/CSTC),
// "10.0.0.0/8" (CIDR) or "[2001:db8::]/32" (IPv6, always with brackets and a prefix length, so
// that its colons are never taken for the one before a shell command; socks.conf refuses it).
// Strict dotted quads only: no octal or hex, no shortened forms.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "socks4/conf_lexer.h"
#include "socks4/ip_address.h"

namespace socks4::conf {

// An IPv4 address and mask ("10.0.0.0 255.0.0.0", "10.0.0.0/8") or an IPv6 prefix
// ("[2001:db8::]/32"). An IPv4 one matches only IPv4 addresses and an IPv6 one only IPv6
// addresses, both as normalised by IpAddress (so ::1 is matched as 127.0.0.1) -- except an
// IPv4 mask of 0 (0.0.0.0/0), which has always meant "anywhere" in sockd.conf and matches
// every address: `deny ... 0.0.0.0/0 eq 25` must not let IPv6 through.
struct AddressMask {
  uint32_t address = 0;  // IPv4, host byte order
  uint32_t mask = 0;     // IPv4: 1 bits must match; 0.0.0.0 matches every IPv4 address
  bool is_ipv6 = false;
  std::array<uint8_t, 16> address6{};  // IPv6, network order, zero past the prefix
  int prefix6 = 0;                     // IPv6 prefix length, 0..128

  bool matches_everything() const { return !is_ipv6 && mask == 0; }
  bool matches(const IpAddress& ip) const;
  friend bool operator==(const AddressMask&, const AddressMask&) = default;
};

// "a.b.c.d", each part decimal 0..255; host byte order.
std::optional<uint32_t> parse_ipv4(std::string_view text);

// "a.b.c.d/N" with 0 <= N <= 32.
std::optional<AddressMask> parse_cidr(std::string_view text);

// "[IPV6]/N" with 0 <= N <= 128; bits past the prefix are cleared. An error text if it is not
// one, or if it names a form that IpAddress normalises to IPv4 (::ffff:0:0/96 and longer,
// ::1, ::), which an IPv6 rule could never match.
struct Ipv6Prefix {
  std::optional<AddressMask> value;
  std::string error;
};
Ipv6Prefix parse_ipv6_prefix(std::string_view text);

// The mask with the top `length` bits set (0..32).
uint32_t prefix_mask(int length);

std::string format_ipv4(uint32_t ip);

// "10.0.0.0/8", "10.0.0.0 255.0.255.0" (a mask that is no prefix) or "[2001:db8::]/32".
std::string format_address_mask(const AddressMask& value);

// True for a token made only of digits, dots and '/', or starting with '[': it is meant as an
// address, so a typo in it is reported as a bad address rather than taken for a host name.
bool looks_like_address(std::string_view text);

// Reads "addr mask", "addr/len" or "[ipv6]/len" at the cursor. `role` names it in messages
// ("source"). The error's fault tells which part was wrong.
std::optional<LineError> parse_address_mask(TokenCursor& cursor, std::string_view role,
                                            AddressMask& out);

}  // namespace socks4::conf
