// The `: shell_cmd` of sockd.conf and socks.conf (and sockd's #NO_IDENTD: and #BAD_ID:):
// %-substitution with every substituted value sanitised, so a client-chosen USERID or host name
// can never add shell syntax. Pure; running the result is the caller's business (sockd:
// server/shell_runner; the client: client_shell). One implementation, so both sanitise alike.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace socks4 {

// The values of one request, unsanitised (expand_shell_template sanitises them).
struct ShellValues {
  std::string client_host;       // %A (sockd uses the address: no reverse lookup)
  std::string client_address;    // %a
  std::string command;           // %c: "connect" or "bind"
  std::string pid;               // %p: sockd's process id
  std::optional<std::string> program;  // %P: the client program's name (socks.conf only)
  std::string service;           // %S: service name of the destination port, or the number
  std::string port;              // %s: destination port number
  std::string identd_user;       // %U: what identd said ("" if not asked or no answer)
  std::string user;              // %u: the USERID the client sent
  std::string destination_host;  // %Z: the 4a host name, or the address
  std::string destination;       // %z: the destination address
};

// Letters, digits and !@%-_=+:,./ stay; every other byte becomes '_'. None of the kept
// characters means anything to sh(1) inside a word (no quotes, $, `, ;, &, |, <, >, (, ),
// blanks, *, ?, [, ~, #, \ or newline). A leading '-' becomes '_' too, so that no value
// reaches the command as an option.
std::string sanitize_shell_value(std::string_view value);

// The most an expanded command may hold.
inline constexpr size_t kMaxExpandedCommand = 16384;

// Replaces %A %a %c %p %S %s %U %u %Z %z (and %P where `program` is set) by their sanitised
// values and %% by %; any other % sequence (and a final lone %) stays as written. nullopt if the result would exceed
// kMaxExpandedCommand bytes.
std::optional<std::string> expand_shell_template(std::string_view text, const ShellValues& values);

}  // namespace socks4
