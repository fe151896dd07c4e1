// Addresses and masks as sockd.conf writes them: "10.0.0.0 255.0.0.0" (NEC/CSTC),
// "10.0.0.0/8" (CIDR) or "[2001:db8::]/32" (IPv6, always with brackets and a prefix length, so
// that its colons are never taken for the one before a shell command). Strict dotted quads
// only: no octal or hex, no shortened forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "socks4/conf_lexer.h"
#include "socks4/sockd_conf.h"

namespace socks4::conf {

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

// Where a rule line's shell command starts: the first ':' outside [...], or npos.
size_t find_command_colon(std::string_view line);

// True for a token made only of digits, dots and '/', or starting with '[': it is meant as an
// address, so a typo in it is reported as a bad address rather than taken for a host name.
bool looks_like_address(std::string_view text);

// Reads "addr mask" or "addr/len" at the cursor. `role` names it in messages ("source").
std::optional<LineError> parse_address_mask(TokenCursor& cursor, std::string_view role,
                                            AddressMask& out);

}  // namespace socks4::conf
