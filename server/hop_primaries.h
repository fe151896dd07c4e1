// Which next hop carries each client's primary CONNECTs, by client address and destination
// address (ports ignored, as in bind_primaries.h), and for a 4a CONNECT by its name too: a
// BIND whose primary CONNECT went through a next hop is sent to the same hop, which is where
// the application server's connection will arrive. By name because a hop may answer a 4a
// CONNECT with 0.0.0.0, naming no address. Shared by all worker threads; a small
// mutex-protected map.
#pragma once

#include <array>
#include <compare>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint.h"
#include "held.h"

namespace sockd {

class HopPrimaries {
 public:
  // `name`: the 4a HOSTNAME of the CONNECT, "" for none. An empty `destination` (family
  // AF_UNSPEC) is no address: the name alone.
  void add(const Endpoint& client, const Endpoint& destination, std::string_view name,
           const Endpoint& hop);
  void remove(const Endpoint& client, const Endpoint& destination, std::string_view name,
              const Endpoint& hop);
  // The hop of the client's latest primary CONNECT to `destination` still open, if any went
  // through one.
  std::optional<Endpoint> hop_for(const Endpoint& client, const Endpoint& destination) const;
  // The same by the 4a name the CONNECT gave (case does not matter).
  std::optional<Endpoint> hop_for_name(const Endpoint& client, std::string_view name) const;

 private:
  struct Key {
    sa_family_t client_family;
    std::array<uint8_t, 16> client;
    sa_family_t destination_family;  // AF_UNSPEC for a name
    std::array<uint8_t, 16> destination;
    std::string name;  // lower case; "" for an address
    auto operator<=>(const Key&) const = default;
  };
  static Key key_of(const Endpoint& client, const Endpoint& destination);
  static Key key_of(const Endpoint& client, std::string_view name);
  void add_locked(const Key& key, const Endpoint& hop);
  void remove_locked(const Key& key, const Endpoint& hop);
  std::optional<Endpoint> hop_for(const Key& key) const;

  mutable std::mutex mutex_;
  std::map<Key, std::vector<Endpoint>> hops_;  // in the order the CONNECTs were granted
};

// One primary CONNECT through a next hop, counted for as long as it lives (it moves with the
// connection's PrimaryHold into the relay). Empty when default-constructed.
class HopHold {
 public:
  HopHold() = default;
  // `destination`: AF_UNSPEC when the hop named no address; `name`: "" for a plain CONNECT.
  HopHold(HopPrimaries& registry, const Endpoint& client, const Endpoint& destination,
          std::string name, const Endpoint& hop) {
    registry.add(client, destination, name, hop);
    held_ = Held<Ticket>(Ticket{&registry, client, destination, std::move(name), hop});
  }

 private:
  struct Ticket {
    HopPrimaries* registry;
    Endpoint client;
    Endpoint destination;
    std::string name;
    Endpoint hop;
    void release() const { registry->remove(client, destination, name, hop); }
  };
  Held<Ticket> held_;
};

}  // namespace sockd
