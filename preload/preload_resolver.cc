// Interposers for the resolver: getaddrinfo, gethostbyname(2)(_r), getnameinfo and
// gethostbyaddr(_r). Names to be resolved remotely get a fake address from the table the
// client library shares (client_names.h), and the reverse calls give such names back. The
// getaddrinfo results are built by the real getaddrinfo from the numeric fake address, so the real
// freeaddrinfo frees them as usual.
#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>
#include <string>

#include "preload_guard.h"
#include "preload_hostent.h"
#include "preload_real.h"
#include "preload_settings.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/conf_address.h"
#include "socks4/fake_names.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

namespace {

// Whether the resolver calls should consider `name` at all (before any lookup).
bool may_be_remote(const char* name) {
  return name != nullptr && sp::settings().resolve != socks4::ResolveMode::kLocal &&
         !socks4::always_local_name(name) && sp::socks_configured();
}

// Fallback mode asks the host first, unless socks.conf sends the name through a server.
bool local_lookup_first(const char* name, const char*& why) {
  if (sp::settings().resolve != socks4::ResolveMode::kFallback) return false;
  if (sc::name_routed_by_conf(name)) {
    why = "socks.conf sends it through a server";
    return false;
  }
  return true;
}

// Call only for a name may_be_remote accepted.
std::optional<uint32_t> remote_address(const char* name, const char* local_error) {
  std::optional<uint32_t> ip = sc::fake_address_for(name);
  if (ip) {
    sc::debug_log("%s: %s; remote name, fake address %s", name, local_error,
                  socks4::conf::format_ipv4(*ip).c_str());
  }
  return ip;
}

int addrinfo_for(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  const sp::RealCalls& real = sp::real();
  int family = hints != nullptr ? hints->ai_family : AF_UNSPEC;
  bool numeric_only = hints != nullptr && (hints->ai_flags & AI_NUMERICHOST) != 0;
  if (numeric_only || (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) ||
      !may_be_remote(node)) {
    return real.getaddrinfo(node, service, hints, result);
  }
  const char* why = "SOCKS_RESOLVE=remote";
  if (local_lookup_first(node, why)) {
    int rc = real.getaddrinfo(node, service, hints, result);
    if (!socks4::local_failure_means_remote(rc)) return rc;
    why = gai_strerror(rc);
  }
  std::optional<uint32_t> ip = remote_address(node, why);
  if (!ip) return EAI_MEMORY;  // the table is full (reported once) or the name is unusable
  addrinfo numeric{};
  if (hints != nullptr) numeric = *hints;
  // AI_ADDRCONFIG could drop the address on a host without IPv4 configuration.
  numeric.ai_flags = (numeric.ai_flags | AI_NUMERICHOST) & ~AI_ADDRCONFIG;
  std::string text = socks4::conf::format_ipv4(*ip);
  if (family == AF_INET6) {
    text = "::ffff:" + text;  // the socket will be AF_INET6: a v4-mapped address
    numeric.ai_flags &= ~AI_V4MAPPED;
  }
  return real.getaddrinfo(text.c_str(), service, &numeric, result);
}

hostent* host_by_name(const char* name, int family) {
  const sp::RealCalls& real = sp::real();
  if (family != AF_INET || !may_be_remote(name)) return real.gethostbyname2(name, family);
  const char* why = "SOCKS_RESOLVE=remote";
  if (local_lookup_first(name, why)) {
    hostent* local = real.gethostbyname2(name, family);
    if (local != nullptr || !socks4::local_h_errno_means_remote(h_errno)) return local;
    why = hstrerror(h_errno);
  }
  std::optional<uint32_t> ip = remote_address(name, why);
  hostent* out = ip ? sp::thread_hostent(socks4::normalize_fake_name(name), *ip) : nullptr;
  h_errno = out != nullptr ? 0 : NO_RECOVERY;
  return out;
}

int host_by_name_r(const char* name, int family, hostent* entry, char* buffer, size_t size,
                   hostent** result, int* h_error) {
  const sp::RealCalls& real = sp::real();
  if (family != AF_INET || !may_be_remote(name)) {
    return real.gethostbyname2_r(name, family, entry, buffer, size, result, h_error);
  }
  const char* why = "SOCKS_RESOLVE=remote";
  if (local_lookup_first(name, why)) {
    int rc = real.gethostbyname2_r(name, family, entry, buffer, size, result, h_error);
    if (*result != nullptr || rc == ERANGE || !socks4::local_h_errno_means_remote(*h_error)) {
      return rc;
    }
    why = hstrerror(*h_error);
  }
  *result = nullptr;
  std::optional<uint32_t> ip = remote_address(name, why);
  if (!ip) {
    *h_error = NO_RECOVERY;
    return ENOENT;
  }
  int rc = sp::fill_hostent(socks4::normalize_fake_name(name), *ip, entry, buffer, size);
  if (rc != 0) return rc;
  *result = entry;
  *h_error = 0;
  return 0;
}

// The remote name behind a socket address, if it is a fake address handed out.
std::optional<std::string> remote_name_in(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    return sc::remote_name_of(
        ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    const in6_addr& six = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
    if (!IN6_IS_ADDR_V4MAPPED(&six)) return std::nullopt;
    uint32_t net;
    std::memcpy(&net, &six.s6_addr[12], 4);
    return sc::remote_name_of(ntohl(net));
  }
  return std::nullopt;
}

int name_info(const sockaddr* address, socklen_t length, char* host, socklen_t host_size,
              char* service, socklen_t service_size, int flags) {
  const sp::RealCalls& real = sp::real();
  std::optional<std::string> name;
  if (host != nullptr && host_size > 0 && (flags & NI_NUMERICHOST) == 0) {
    name = remote_name_in(address, length);
  }
  if (!name)
    return real.getnameinfo(address, length, host, host_size, service, service_size, flags);
  if (name->size() + 1 > host_size) return EAI_OVERFLOW;
  if (service != nullptr && service_size > 0) {
    int rc = real.getnameinfo(address, length, nullptr, 0, service, service_size, flags);
    if (rc != 0) return rc;
  }
  std::memcpy(host, name->c_str(), name->size() + 1);
  return 0;
}

std::optional<uint32_t> fake_address_in(const void* address, socklen_t length, int type) {
  if (address == nullptr || type != AF_INET || length != 4) return std::nullopt;
  uint32_t net;
  std::memcpy(&net, address, 4);
  uint32_t ip = ntohl(net);
  if (!socks4::is_fake_address(ip)) return std::nullopt;
  return ip;
}

}  // namespace

extern "C" {

int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) return real.getaddrinfo(node, service, hints, result);
  try {
    return addrinfo_for(node, service, hints, result);
  } catch (...) {
    return EAI_MEMORY;
  }
}

hostent* gethostbyname2(const char* name, int family) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) return real.gethostbyname2(name, family);
  try {
    return host_by_name(name, family);
  } catch (...) {
    h_errno = NO_RECOVERY;
    return nullptr;
  }
}

hostent* gethostbyname(const char* name) {
  return gethostbyname2(name, AF_INET);
}

int gethostbyname2_r(const char* name, int family, hostent* entry, char* buffer, size_t size,
                     hostent** result, int* h_error) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) {
    return real.gethostbyname2_r(name, family, entry, buffer, size, result, h_error);
  }
  try {
    return host_by_name_r(name, family, entry, buffer, size, result, h_error);
  } catch (...) {
    *result = nullptr;
    *h_error = NO_RECOVERY;
    return ENOMEM;
  }
}

int gethostbyname_r(const char* name, hostent* entry, char* buffer, size_t size, hostent** result,
                    int* h_error) {
  return gethostbyname2_r(name, AF_INET, entry, buffer, size, result, h_error);
}

int getnameinfo(const sockaddr* address, socklen_t length, char* host, socklen_t host_size,
                char* service, socklen_t service_size, int flags) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) {
    return real.getnameinfo(address, length, host, host_size, service, service_size, flags);
  }
  try {
    return name_info(address, length, host, host_size, service, service_size, flags);
  } catch (...) {
    return EAI_MEMORY;
  }
}

hostent* gethostbyaddr(const void* address, socklen_t length, int type) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) return real.gethostbyaddr(address, length, type);
  try {
    std::optional<uint32_t> ip = fake_address_in(address, length, type);
    std::optional<std::string> name = ip ? sc::remote_name_of(*ip) : std::nullopt;
    if (!name) return real.gethostbyaddr(address, length, type);
    return sp::thread_hostent(*name, *ip);
  } catch (...) {
    h_errno = NO_RECOVERY;
    return nullptr;
  }
}

int gethostbyaddr_r(const void* address, socklen_t length, int type, hostent* entry, char* buffer,
                    size_t size, hostent** result, int* h_error) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost()) {
    return real.gethostbyaddr_r(address, length, type, entry, buffer, size, result, h_error);
  }
  try {
    std::optional<uint32_t> ip = fake_address_in(address, length, type);
    std::optional<std::string> name = ip ? sc::remote_name_of(*ip) : std::nullopt;
    if (!name) {
      return real.gethostbyaddr_r(address, length, type, entry, buffer, size, result, h_error);
    }
    *result = nullptr;
    int rc = sp::fill_hostent(*name, *ip, entry, buffer, size);
    if (rc == 0) *result = entry;
    *h_error = rc == 0 ? 0 : NETDB_INTERNAL;
    return rc;
  } catch (...) {
    *result = nullptr;
    *h_error = NO_RECOVERY;
    return ENOMEM;
  }
}

}  // extern "C"
