// Name and destination policy of the LD_PRELOAD layer (see name_policy.h).
#include "socks4/name_policy.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <string>

namespace socks4 {

std::optional<ResolveMode> parse_resolve_mode(std::string_view text) {
  if (text == "fallback") return ResolveMode::kFallback;
  if (text == "remote") return ResolveMode::kRemote;
  if (text == "local") return ResolveMode::kLocal;
  return std::nullopt;
}

std::optional<UncarriedPolicy> parse_uncarried_policy(std::string_view text) {
  if (text == "direct") return UncarriedPolicy::kDirect;
  if (text == "refuse") return UncarriedPolicy::kRefuse;
  return std::nullopt;
}

const char* to_string(ResolveMode mode) {
  switch (mode) {
    case ResolveMode::kFallback:
      return "fallback";
    case ResolveMode::kRemote:
      return "remote";
    case ResolveMode::kLocal:
      return "local";
  }
  return "?";
}

bool local_failure_means_remote(int eai_error) {
  // EAI_ADDRFAMILY and EAI_NODATA say the name exists locally; only "unknown" and "could not
  // ask" send it to the firewall host.
  return eai_error == EAI_NONAME || eai_error == EAI_AGAIN || eai_error == EAI_FAIL;
}

bool local_h_errno_means_remote(int h_error) {
  return h_error == HOST_NOT_FOUND || h_error == TRY_AGAIN || h_error == NO_RECOVERY;
}

bool always_local_name(std::string_view name) {
  std::string text(name);
  in_addr four{};
  in6_addr six{};
  if (inet_aton(text.c_str(), &four) != 0) return true;  // as getaddrinfo: "127.1" too
  if (inet_pton(AF_INET6, text.c_str(), &six) == 1) return true;
  if (!text.empty() && text.back() == '.') text.pop_back();
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text == "localhost" || text.ends_with(".localhost");
}

}  // namespace socks4
