// Who may read the stats listener (sockd.conf(5), `stats` and `stats_allow`): with a
// stats_allow list, the addresses it names; without one, loopback clients only. A listener on
// any other address than loopback must have a list: exposing the relay table (who talks to
// whom) to a network by omission would be a leak.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../conf/sockd_conf.h"
#include "socks4/conf_address.h"
#include "socks4/ip_address.h"

namespace sockd::stats {

bool is_loopback(const socks4::IpAddress& address);

bool client_allowed(const socks4::IpAddress& client,
                    const std::vector<socks4::conf::AddressMask>& allow);

// The refusal for a non-loopback stats listener without stats_allow; nullopt if acceptable.
std::optional<std::string> config_problem(const std::vector<socks4::conf::ListenAddress>& stats,
                                          const std::vector<socks4::conf::AddressMask>& allow);

}  // namespace sockd::stats
