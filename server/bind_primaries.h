// The registry of primary connections for BIND: which client (by IP) holds an established
// CONNECT to which destination IP. A BIND is granted only while its client holds a CONNECT to
// the BIND's DSTIP (the FTP control channel to the server that will connect back), unless the
// config says `bind_requires_connect no`. Shared by all worker threads (SO_REUSEPORT spreads a
// client's connections over them), so a small mutex-protected count map.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "endpoint.h"

namespace sockd {

class PrimaryConnections {
 public:
  // Ports are ignored: only the client's and the destination's addresses count.
  void add(const Endpoint& client, const Endpoint& destination);
  void remove(const Endpoint& client, const Endpoint& destination);
  bool holds(const Endpoint& client, const Endpoint& destination) const;

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
  std::map<Key, int> counts_;  // only positive counts are kept
};

// One established CONNECT counted in a PrimaryConnections for as long as it lives; moves with
// the connection into its Relay. Empty (counts nothing) when default-constructed.
class PrimaryHold {
 public:
  PrimaryHold() = default;
  PrimaryHold(PrimaryConnections& registry, const Endpoint& client, const Endpoint& destination)
      : registry_(&registry), client_(client), destination_(destination) {
    registry.add(client, destination);
  }
  PrimaryHold(PrimaryHold&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)),
        client_(other.client_),
        destination_(other.destination_) {}
  PrimaryHold& operator=(PrimaryHold&& other) noexcept {
    std::swap(registry_, other.registry_);
    std::swap(client_, other.client_);
    std::swap(destination_, other.destination_);
    return *this;
  }
  ~PrimaryHold() {
    if (registry_) registry_->remove(client_, destination_);
  }

 private:
  PrimaryConnections* registry_ = nullptr;
  Endpoint client_;
  Endpoint destination_;
};

}  // namespace sockd
