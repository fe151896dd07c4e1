// IPv4 addresses and masks as sockd.conf writes them: "10.0.0.0 255.0.0.0" (NEC/CSTC) or
// "10.0.0.0/8" (CIDR). Strict dotted quads only: no octal or hex, no shortened forms.
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

// The mask with the top `length` bits set (0..32).
uint32_t prefix_mask(int length);

std::string format_ipv4(uint32_t ip);

// True for a token made only of digits, dots and '/': it is meant as an address, so a typo
// in it is reported as a bad address rather than taken for a host name.
bool looks_like_address(std::string_view text);

// Reads "addr mask" or "addr/len" at the cursor. `role` names it in messages ("source").
std::optional<LineError> parse_address_mask(TokenCursor& cursor, std::string_view role,
                                            AddressMask& out);

}  // namespace socks4::conf
