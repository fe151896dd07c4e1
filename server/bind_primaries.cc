#include "bind_primaries.h"

namespace sockd {

PrimaryConnections::Key PrimaryConnections::key_of(const Endpoint& client,
                                                   const Endpoint& destination) {
  return Key{client.family, client.address, destination.family, destination.address};
}

void PrimaryConnections::add(const Endpoint& client, const Endpoint& destination) {
  std::lock_guard lock(mutex_);
  ++counts_[key_of(client, destination)];
}

void PrimaryConnections::remove(const Endpoint& client, const Endpoint& destination) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key_of(client, destination));
  if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
}

bool PrimaryConnections::holds(const Endpoint& client, const Endpoint& destination) const {
  std::lock_guard lock(mutex_);
  return counts_.contains(key_of(client, destination));
}

}  // namespace sockd
