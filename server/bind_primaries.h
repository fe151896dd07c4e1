// The registry of primary connections for BIND: which client (by IP) holds an established
// CONNECT to which destination IP. A BIND is granted only while its client holds a CONNECT to
// the BIND's DSTIP (the FTP control channel to the server that will connect back), unless the
// config says `bind_requires_connect no`. It also counts the BINDs waiting for their inbound
// connection, per primary connection (client + DSTIP) and per client, to bound them, and tells
// each waiting BIND when the last primary connection it depends on closes. Shared by all worker
// threads (SO_REUSEPORT spreads a client's connections over them), so small mutex-protected
// maps.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bind_waiter.h"
#include "endpoint.h"
#include "held.h"
#include "hop_primaries.h"

namespace sockd {

class WaitingBind;

class PrimaryConnections {
 public:
  // Ports are ignored: only the client's and the destination's addresses count.
  void add(const Endpoint& client, const Endpoint& destination);
  void remove(const Endpoint& client, const Endpoint& destination);
  bool holds(const Endpoint& client, const Endpoint& destination) const;

  struct BindLimits {
    bool requires_primary = true;  // bind_requires_connect: refuse without one, and follow it
    int per_connection = 0;        // max_binds_per_connection; 0 = no limit
    int per_source = 0;            // max_binds_per_source; 0 = no limit
  };
  // Counts a BIND from `client` waiting for an inbound connection from `destination` for as
  // long as the returned WaitingBind lives. With `requires_primary`, the client must hold a
  // primary connection to `destination` now, and `waiter` is posted to `wakeups` when the last
  // one closes. Empty, with the reason in `refusal`, if the BIND may not wait.
  std::optional<WaitingBind> admit_bind(const Endpoint& client, const Endpoint& destination,
                                        const BindLimits& limits, BindWakeups& wakeups,
                                        std::weak_ptr<BindWaiter> waiter, std::string* refusal);

 private:
  friend class WaitingBind;
  struct Key {
    sa_family_t client_family;
    std::array<uint8_t, 16> client;
    sa_family_t destination_family;
    std::array<uint8_t, 16> destination;
    auto operator<=>(const Key&) const = default;
  };
  struct ClientKey {
    sa_family_t family;
    std::array<uint8_t, 16> address;
    auto operator<=>(const ClientKey&) const = default;
  };
  struct Follower {
    uint64_t id;
    BindWakeups* wakeups;
    std::weak_ptr<BindWaiter> waiter;
  };
  struct Entry {
    int primaries = 0;
    int waiting_binds = 0;
    std::vector<Follower> followers;  // waiting BINDs to tell when primaries drops to 0
  };
  static Key key_of(const Endpoint& client, const Endpoint& destination);
  void release_bind(const Key& key, uint64_t id);  // by ~WaitingBind
  // Forgets an entry that counts nothing any more (mutex_ held).
  void erase_if_unused(std::map<Key, Entry>::iterator it);

  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;                // only entries that count something
  std::map<ClientKey, int> waiting_by_client_;  // only positive counts
  uint64_t next_id_ = 1;
};

// One waiting BIND counted in a PrimaryConnections (see admit_bind()); moves, never copies.
class WaitingBind {
 private:
  friend class PrimaryConnections;
  struct Ticket {
    PrimaryConnections* registry;
    PrimaryConnections::Key key;
    uint64_t id;
    void release() const { registry->release_bind(key, id); }
  };
  explicit WaitingBind(const Ticket& ticket) : held_(ticket) {}

  Held<Ticket> held_;
};

// One established CONNECT counted in a PrimaryConnections for as long as it lives; moves with
// the connection into its Relay. Empty (counts nothing) when default-constructed.
class PrimaryHold {
 public:
  PrimaryHold() = default;
  PrimaryHold(PrimaryConnections& registry, const Endpoint& client, const Endpoint& destination)
      : held_(Ticket{&registry, client, destination}) {
    registry.add(client, destination);
  }
  // A CONNECT through a next hop: its BINDs go there too (hop_primaries.h). Allocated only for
  // those: every relay holds a PrimaryHold.
  void set_hop(HopHold hop) { hop_ = std::make_unique<HopHold>(std::move(hop)); }

 private:
  struct Ticket {
    PrimaryConnections* registry;
    Endpoint client;
    Endpoint destination;
    void release() const { registry->remove(client, destination); }
  };
  Held<Ticket> held_;
  std::unique_ptr<HopHold> hop_;
};

}  // namespace sockd
