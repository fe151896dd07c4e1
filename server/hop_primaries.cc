#include "hop_primaries.h"

#include <algorithm>

namespace sockd {

HopPrimaries::Key HopPrimaries::key_of(const Endpoint& client, const Endpoint& destination) {
  return Key{client.family, client.address, destination.family, destination.address};
}

void HopPrimaries::add(const Endpoint& client, const Endpoint& destination, const Endpoint& hop) {
  std::lock_guard lock(mutex_);
  hops_[key_of(client, destination)].push_back(hop);
}

void HopPrimaries::remove(const Endpoint& client, const Endpoint& destination,
                          const Endpoint& hop) {
  std::lock_guard lock(mutex_);
  auto it = hops_.find(key_of(client, destination));
  if (it == hops_.end()) return;
  std::vector<Endpoint>& hops = it->second;
  auto same = [&hop](const Endpoint& e) {
    return e.family == hop.family && e.address == hop.address && e.port == hop.port;
  };
  auto found = std::find_if(hops.rbegin(), hops.rend(), same);
  if (found != hops.rend()) hops.erase(std::next(found).base());
  if (hops.empty()) hops_.erase(it);
}

std::optional<Endpoint> HopPrimaries::hop_for(const Endpoint& client,
                                              const Endpoint& destination) const {
  std::lock_guard lock(mutex_);
  auto it = hops_.find(key_of(client, destination));
  if (it == hops_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

}  // namespace sockd
