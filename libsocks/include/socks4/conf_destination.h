// The destination of a rule in both grammars: an address/mask (conf_address.h), or a host name
// ("example.com") or domain suffix (".example.com", which matches example.com itself and every
// name below it) that matches destinations known by name (SOCKS 4a).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "socks4/conf_address.h"
#include "socks4/conf_lexer.h"
#include "socks4/ip_address.h"

namespace socks4::conf {

struct Destination {
  AddressMask address;  // used when name is empty
  std::string name;     // lower case; starts with '.' for a suffix
};

// A destination host name or .suffix as a rule writes it: lower-cased, without a final dot.
// nullopt if it is not a valid DNS name.
std::optional<std::string> normalize_destination_name(std::string_view text);

// Reads the destination at the cursor (a token is there): an address (a token made of digits,
// dots and '/', or starting with '['), else a host name or .suffix. A name that is more likely
// a typo ("eq25", a keyword, a last label of digits) is refused. Faults: those of
// parse_address_mask, kBadName.
std::optional<LineError> parse_destination(TokenCursor& cursor, Destination& out);

// `pattern` (lower case) against a destination name as sent (any case, a final dot allowed):
// "example.com" matches only that name, ".example.com" that name and every name below it.
bool name_matches(std::string_view pattern, std::string_view name);

// Whether a destination (`address`, or `name_pattern` when that is not empty) matches a request
// for `ip` and/or `name`: a name pattern matches only the name; an address matches the address,
// and a destination known only by name only if it matches everything.
bool destination_matches(const AddressMask& address, std::string_view name_pattern,
                         const std::optional<IpAddress>& ip, std::string_view name);

}  // namespace socks4::conf
