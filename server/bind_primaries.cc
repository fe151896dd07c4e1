#include "bind_primaries.h"

namespace sockd {

PrimaryConnections::Key PrimaryConnections::key_of(const Endpoint& client,
                                                   const Endpoint& destination) {
  return Key{client.family, client.address, destination.family, destination.address};
}

void PrimaryConnections::add(const Endpoint& client, const Endpoint& destination) {
  std::lock_guard lock(mutex_);
  ++entries_[key_of(client, destination)].primaries;
}

void PrimaryConnections::remove(const Endpoint& client, const Endpoint& destination) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_of(client, destination));
  if (it == entries_.end() || it->second.primaries <= 0) return;
  if (--it->second.primaries == 0) {
    // The last one: the BINDs that followed it close, each on its own thread.
    for (Follower& follower : it->second.followers)
      follower.wakeups->post(std::move(follower.waiter));
    it->second.followers.clear();
  }
  erase_if_unused(it);
}

bool PrimaryConnections::holds(const Endpoint& client, const Endpoint& destination) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_of(client, destination));
  return it != entries_.end() && it->second.primaries > 0;
}

std::optional<WaitingBind> PrimaryConnections::admit_bind(
    const Endpoint& client, const Endpoint& destination, const BindLimits& limits,
    BindWakeups& wakeups, std::weak_ptr<BindWaiter> waiter, std::string* refusal) {
  const Key key = key_of(client, destination);
  const ClientKey client_key{client.family, client.address};
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  const Entry* entry = it == entries_.end() ? nullptr : &it->second;
  if (limits.requires_primary && (!entry || entry->primaries == 0)) {
    *refusal = "no CONNECT to " + destination.address_text() + " from this client";
    return std::nullopt;
  }
  if (limits.per_connection > 0 && entry && entry->waiting_binds >= limits.per_connection) {
    *refusal =
        std::to_string(entry->waiting_binds) + " BINDs already waiting " +
        (limits.requires_primary ? "for this client's connection to " : "from this client for ") +
        destination.address_text() + " (max_binds_per_connection)";
    return std::nullopt;
  }
  auto by_client = waiting_by_client_.find(client_key);
  if (limits.per_source > 0 && by_client != waiting_by_client_.end() &&
      by_client->second >= limits.per_source) {
    *refusal = std::to_string(by_client->second) +
               " BINDs already waiting from this client (max_binds_per_source)";
    return std::nullopt;
  }
  Entry& counted = entries_[key];
  ++counted.waiting_binds;
  ++waiting_by_client_[client_key];
  const uint64_t id = next_id_++;
  if (limits.requires_primary) counted.followers.push_back({id, &wakeups, std::move(waiter)});
  return WaitingBind(WaitingBind::Ticket{this, key, id});
}

void PrimaryConnections::release_bind(const Key& key, uint64_t id) {
  std::lock_guard lock(mutex_);
  auto by_client = waiting_by_client_.find(ClientKey{key.client_family, key.client});
  if (by_client != waiting_by_client_.end() && --by_client->second <= 0)
    waiting_by_client_.erase(by_client);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  --it->second.waiting_binds;
  std::erase_if(it->second.followers, [id](const Follower& f) { return f.id == id; });
  erase_if_unused(it);
}

void PrimaryConnections::erase_if_unused(std::map<Key, Entry>::iterator it) {
  if (it->second.primaries <= 0 && it->second.waiting_binds <= 0) entries_.erase(it);
}

}  // namespace sockd
