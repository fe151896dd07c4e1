// Rgethostbyname / Rgetaddrinfo: local lookups, except for names left to the SOCKS server,
// which get a placeholder address (see client_names.h).
#include <arpa/inet.h>
#include <netdb.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/client_ops.h"

namespace socks4::client {
namespace {

// What a placeholder lookup returns from Rgethostbyname: per thread, like glibc's static
// buffer is per call site (the caller copies what it needs before the next call).
struct HostBuffer {
  hostent entry{};
  char name[NI_MAXHOST] = "";
  char* aliases[1] = {nullptr};
  in_addr address{};
  char* addresses[2] = {nullptr, nullptr};
};

bool is_numeric(const char* name) {
  in_addr ignored{};
  return inet_pton(AF_INET, name, &ignored) == 1;
}

// A placeholder for `name` if it is to be resolved by the server: at once when a socks.conf
// name line sends it through a server, else when local resolution failed.
std::optional<uint32_t> placeholder(const std::string& name, bool local_failed) {
  if (name.empty() || name.size() > 255) return std::nullopt;
  bool remote = name_routed_by_conf(name) || (local_failed && name_may_go_through_server(name));
  if (!remote) return std::nullopt;
  std::optional<uint32_t> ip = remote_name_address(name);
  if (ip) {
    in_addr a{htonl(*ip)};
    char text[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &a, text, sizeof text);
    debug_log("%s: resolved by the SOCKS server (placeholder %s)", name.c_str(), text);
  }
  return ip;
}

std::optional<uint16_t> service_port(const char* service, const addrinfo* hints) {
  if (service == nullptr) return 0;
  char* end = nullptr;
  long number = std::strtol(service, &end, 10);
  if (*service != '\0' && *end == '\0') {
    if (number < 0 || number > 65535) return std::nullopt;
    return static_cast<uint16_t>(number);
  }
  if (hints != nullptr && (hints->ai_flags & AI_NUMERICSERV)) return std::nullopt;
  servent entry{};
  servent* result = nullptr;
  char buffer[1024];
  if (getservbyname_r(service, "tcp", &entry, buffer, sizeof buffer, &result) != 0 ||
      result == nullptr) {
    return std::nullopt;
  }
  return ntohs(static_cast<uint16_t>(result->s_port));
}

// One AF_INET stream entry, allocated the way glibc's getaddrinfo does (the address in the same
// block, the canonical name separately), so that freeaddrinfo(3) releases it.
addrinfo* make_entry(uint32_t ip, uint16_t port, const char* canonical) {
  void* block = std::calloc(1, sizeof(addrinfo) + sizeof(sockaddr_in));
  if (block == nullptr) return nullptr;
  auto* entry = static_cast<addrinfo*>(block);
  auto* address = reinterpret_cast<sockaddr_in*>(static_cast<char*>(block) + sizeof(addrinfo));
  address->sin_family = AF_INET;
  address->sin_port = htons(port);
  address->sin_addr.s_addr = htonl(ip);
  entry->ai_family = AF_INET;
  entry->ai_socktype = SOCK_STREAM;
  entry->ai_protocol = IPPROTO_TCP;
  entry->ai_addrlen = sizeof(sockaddr_in);
  entry->ai_addr = reinterpret_cast<sockaddr*>(address);
  if (canonical != nullptr) {
    entry->ai_canonname = strdup(canonical);
    if (entry->ai_canonname == nullptr) {
      std::free(block);
      return nullptr;
    }
  }
  return entry;
}

}  // namespace

hostent* host_by_name(const char* name) {
  if (name == nullptr) {
    h_errno = HOST_NOT_FOUND;
    return nullptr;
  }
  std::optional<uint32_t> ip;
  if (!is_numeric(name)) ip = placeholder(name, false);
  if (!ip) {
    if (hostent* local = gethostbyname(name)) return local;
    int local_error = h_errno;
    if (is_numeric(name) || !(ip = placeholder(name, true))) {
      h_errno = local_error;
      return nullptr;
    }
  }
  static thread_local HostBuffer buffer;
  std::strncpy(buffer.name, name, sizeof buffer.name - 1);
  buffer.address.s_addr = htonl(*ip);
  buffer.addresses[0] = reinterpret_cast<char*>(&buffer.address);
  buffer.entry.h_name = buffer.name;
  buffer.entry.h_aliases = buffer.aliases;
  buffer.entry.h_addrtype = AF_INET;
  buffer.entry.h_length = sizeof(in_addr);
  buffer.entry.h_addr_list = buffer.addresses;
  return &buffer.entry;
}

int address_info(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  const bool can_answer =
      node != nullptr && result != nullptr && !is_numeric(node) &&
      (hints == nullptr || ((hints->ai_family == AF_UNSPEC || hints->ai_family == AF_INET) &&
                            (hints->ai_socktype == 0 || hints->ai_socktype == SOCK_STREAM) &&
                            (hints->ai_flags & AI_NUMERICHOST) == 0));
  std::optional<uint32_t> ip;
  if (can_answer) ip = placeholder(node, false);
  if (!ip) {
    int rc = getaddrinfo(node, service, hints, result);
    bool unknown = rc == EAI_NONAME || rc == EAI_AGAIN || rc == EAI_FAIL || rc == EAI_NODATA;
    if (!can_answer || !unknown || !(ip = placeholder(node, true))) return rc;
  }
  std::optional<uint16_t> port = service_port(service, hints);
  if (!port) return EAI_SERVICE;
  bool canonical = hints != nullptr && (hints->ai_flags & AI_CANONNAME);
  addrinfo* entry = make_entry(*ip, *port, canonical ? node : nullptr);
  if (entry == nullptr) return EAI_MEMORY;
  *result = entry;
  return 0;
}

}  // namespace socks4::client
