// Pure decisions of the LD_PRELOAD layer about names and destinations SOCKS 4 cannot carry,
// kept here so unit tests can reach them.
//
//   SOCKS_RESOLVE = fallback (default) | remote | local
//     fallback: resolve locally; a name the host cannot resolve becomes a remote (4a) name
//     remote:   every name (but localhost and numeric addresses) becomes a remote name
//     local:    never; names are resolved by the host only (plain SOCKS 4)
//   SOCKS_IPV6 = direct (default) | refuse   for pure IPv6 destinations
//   SOCKS_UDP  = direct | refuse             for UDP; defaults to SOCKS_IPV6's value
#pragma once

#include <optional>
#include <string_view>

namespace socks4 {

enum class ResolveMode { kFallback, kRemote, kLocal };
enum class UncarriedPolicy { kDirect, kRefuse };

std::optional<ResolveMode> parse_resolve_mode(std::string_view text);
std::optional<UncarriedPolicy> parse_uncarried_policy(std::string_view text);
const char* to_string(ResolveMode mode);

// In fallback mode: does this getaddrinfo(3) error mean "the host cannot resolve the name"
// (so the firewall host should try), rather than "the name exists but not in that form"?
bool local_failure_means_remote(int eai_error);
// The same for gethostbyname(3)'s h_errno.
bool local_h_errno_means_remote(int h_error);

// Names that always resolve locally: numeric IPv4/IPv6 addresses, "localhost" and names
// under ".localhost".
bool always_local_name(std::string_view name);

}  // namespace socks4
