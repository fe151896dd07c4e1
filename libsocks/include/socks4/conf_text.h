// Small text helpers of the NEC line syntax with no other dependency, so that socksify (a
// static program compiled from a few files) can use them with the server-list grammar.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace socks4::conf {

// `text` quoted for a message, between `mark`s: printable ASCII as is, other bytes (and the
// mark and backslashes) as \xNN, shortened with "..." past `max_bytes`.
std::string quote(std::string_view text, char mark = '"', size_t max_bytes = 48);

bool equals_ignore_case(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);

// A host name as rules and server lists write it: dot-separated labels of letters, digits, '-'
// and '_' (no empty label, at most one final dot), at most 255 bytes, and not made only of
// digits and dots (that is a mistyped address).
bool is_host_name(std::string_view text);

}  // namespace socks4::conf
