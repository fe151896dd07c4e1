// The preload's own environment variables (SOCKS_RESOLVE, SOCKS_IPV6, SOCKS_UDP; see
// socks4/name_policy.h), read once through secure_getenv. The client library reads the others.
#pragma once

#include "socks4/name_policy.h"

namespace socks4::preload {

struct Settings {
  ResolveMode resolve = ResolveMode::kFallback;
  UncarriedPolicy ipv6 = UncarriedPolicy::kDirect;
  UncarriedPolicy udp = UncarriedPolicy::kDirect;
};

const Settings& settings();

// Whether any destination can go through a SOCKS server at all (SOCKS_SERVER is set, or
// socks.conf has a sockd line). Without one, remote names would lead nowhere. True as well
// when the settings are unusable: nothing is resolved or connected as if unconfigured.
bool socks_configured();

}  // namespace socks4::preload
