// Which next hop carries each client's primary CONNECTs, by client address and destination
// address (ports ignored, as in bind_primaries.h): a BIND whose primary CONNECT went through a
// next hop is sent to the same hop, which is where the application server's connection will
// arrive. Shared by all worker threads; a small mutex-protected map.
#pragma once

#include <array>
#include <compare>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "endpoint.h"
#include "held.h"

namespace sockd {

class HopPrimaries {
 public:
  void add(const Endpoint& client, const Endpoint& destination, const Endpoint& hop);
  void remove(const Endpoint& client, const Endpoint& destination, const Endpoint& hop);
  // The hop of the client's latest primary CONNECT to `destination` still open, if any went
  // through one.
  std::optional<Endpoint> hop_for(const Endpoint& client, const Endpoint& destination) const;

 private:
  struct Key {
    sa_family_t client_family;
    std::array<uint8_t, 16> client;
    sa_family_t destination_family;
    std::array<uint8_t, 16> destination;
    auto operator<=>(const Key&) const = default;
  };
  static Key key_of(const Endpoint& client, const Endpoint& destination);

  mutable std::mutex mutex_;
  std::map<Key, std::vector<Endpoint>> hops_;  // in the order the CONNECTs were granted
};

// One primary CONNECT through a next hop, counted for as long as it lives (it moves with the
// connection's PrimaryHold into the relay). Empty when default-constructed.
class HopHold {
 public:
  HopHold() = default;
  HopHold(HopPrimaries& registry, const Endpoint& client, const Endpoint& destination,
          const Endpoint& hop)
      : held_(Ticket{&registry, client, destination, hop}) {
    registry.add(client, destination, hop);
  }

 private:
  struct Ticket {
    HopPrimaries* registry;
    Endpoint client;
    Endpoint destination;
    Endpoint hop;
    void release() const { registry->remove(client, destination, hop); }
  };
  Held<Ticket> held_;
};

}  // namespace sockd
