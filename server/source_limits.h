// Per-client-address limits, so that one address cannot take the whole server: connections
// held at once (max_connections_per_source) and requests not yet complete
// (max_negotiations_per_source), counted across every worker thread. A client over a limit is
// refused before any session exists. The log gets the first refusal of an address in full;
// further refusals of that address within kQuietMs are only counted, and the count is logged
// with the next full line or when the address's last connection closes. An address is only
// refused while it holds `limit` connections, so at most (descriptors / limit) addresses log at
// a time, each at most a few lines per kQuietMs.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "endpoint.h"

namespace sockd {

class SourceLimits;

// One count held in a SourceLimits while it lives; moves, never copies. Empty when
// default-constructed.
class SourceHold {
 public:
  SourceHold() = default;
  SourceHold(SourceHold&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)),
        address_(other.address_),
        kind_(other.kind_) {}
  SourceHold& operator=(SourceHold&& other) noexcept {
    std::swap(registry_, other.registry_);
    std::swap(address_, other.address_);
    std::swap(kind_, other.kind_);
    return *this;
  }
  ~SourceHold();

 private:
  friend class SourceLimits;
  SourceHold(SourceLimits& registry, const Endpoint& address, int kind)
      : registry_(&registry), address_(address), kind_(kind) {}

  SourceLimits* registry_ = nullptr;
  Endpoint address_;  // port 0
  int kind_ = 0;
};

class SourceLimits {
 public:
  static constexpr int64_t kQuietMs = 10000;

  struct Admitted {
    SourceHold connection;   // until the client closes
    SourceHold negotiation;  // until its request is complete
  };
  // Counts a new client from `peer`, or logs why not and returns nullopt. A limit of 0 is none.
  std::optional<Admitted> admit(const Endpoint& peer, int max_connections, int max_negotiations);

 private:
  friend class SourceHold;
  enum Kind { kConnection = 0, kNegotiation = 1 };
  struct Key {
    sa_family_t family;
    std::array<uint8_t, 16> address;
    auto operator<=>(const Key&) const = default;
  };
  struct Entry {
    int held[2] = {0, 0};        // by Kind
    int64_t quiet_until_ms = 0;  // refusals before this are counted, not logged
    long unlogged[2] = {0, 0};   // refusals counted, not logged yet, by Kind
  };
  void release(const Endpoint& address, int kind);  // by ~SourceHold
  // The "N more clients refused" lines for what `entry` counted; clears the counts.
  static std::vector<std::string> take_summary(Entry& entry, const Endpoint& address);

  std::mutex mutex_;
  std::map<Key, Entry> entries_;  // only addresses that hold something
};

}  // namespace sockd
