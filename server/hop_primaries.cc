#include "hop_primaries.h"

#include <algorithm>
#include <cctype>

namespace sockd {

HopPrimaries::Key HopPrimaries::key_of(const Endpoint& client, const Endpoint& destination) {
  return Key{client.family, client.address, destination.family, destination.address, {}};
}

HopPrimaries::Key HopPrimaries::key_of(const Endpoint& client, std::string_view name) {
  Key key{client.family, client.address, AF_UNSPEC, {}, std::string(name)};
  // DNS names do not care about case; a client may not keep it either.
  for (char& c : key.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

void HopPrimaries::add(const Endpoint& client, const Endpoint& destination, std::string_view name,
                       const Endpoint& hop) {
  std::lock_guard lock(mutex_);
  if (destination.family != AF_UNSPEC) add_locked(key_of(client, destination), hop);
  if (!name.empty()) add_locked(key_of(client, name), hop);
}

void HopPrimaries::remove(const Endpoint& client, const Endpoint& destination,
                          std::string_view name, const Endpoint& hop) {
  std::lock_guard lock(mutex_);
  if (destination.family != AF_UNSPEC) remove_locked(key_of(client, destination), hop);
  if (!name.empty()) remove_locked(key_of(client, name), hop);
}

void HopPrimaries::add_locked(const Key& key, const Endpoint& hop) {
  hops_[key].push_back(hop);
}

void HopPrimaries::remove_locked(const Key& key, const Endpoint& hop) {
  auto it = hops_.find(key);
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
  return hop_for(key_of(client, destination));
}

std::optional<Endpoint> HopPrimaries::hop_for_name(const Endpoint& client,
                                                   std::string_view name) const {
  if (name.empty()) return std::nullopt;
  return hop_for(key_of(client, name));
}

std::optional<Endpoint> HopPrimaries::hop_for(const Key& key) const {
  std::lock_guard lock(mutex_);
  auto it = hops_.find(key);
  if (it == hops_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

}  // namespace sockd
