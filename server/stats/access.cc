#include "access.h"

namespace sockd::stats {

bool is_loopback(const socks4::IpAddress& address) {
  return !address.is_ipv6 && (address.ipv4_host_order() >> 24) == 127;
}

bool client_allowed(const socks4::IpAddress& client,
                    const std::vector<socks4::conf::AddressMask>& allow) {
  if (allow.empty()) return is_loopback(client);
  for (const auto& mask : allow)
    if (mask.matches(client)) return true;
  return false;
}

std::optional<std::string> config_problem(const std::vector<socks4::conf::ListenAddress>& stats,
                                          const std::vector<socks4::conf::AddressMask>& allow) {
  if (!allow.empty()) return std::nullopt;
  for (const auto& listener : stats) {
    std::optional<socks4::IpAddress> address = socks4::parse_ip_address(listener.host);
    if (!address || !is_loopback(*address))
      return "stats " + listener.host + ":" + std::to_string(listener.port) +
             " is not a loopback address: add `stats_allow CIDR...` naming who may read it";
  }
  return std::nullopt;
}

}  // namespace sockd::stats
