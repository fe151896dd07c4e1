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
#include "held.h"

namespace sockd {

class SourceLimits;

// One count held in a SourceLimits while it lives; moves, never copies. Empty when
// default-constructed.
class SourceHold {
 public:
  SourceHold() = default;

 private:
  friend class SourceLimits;
  struct Ticket {
    SourceLimits* registry;
    Endpoint address;  // port 0
    int kind;
    void release() const;
  };
  explicit SourceHold(const Ticket& ticket) : held_(ticket) {}

  Held<Ticket> held_;
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
  friend struct SourceHold::Ticket;
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
  void release(const Endpoint& address, int kind);  // when a SourceHold ends
  // The "N more clients refused" lines for what `entry` counted; clears the counts.
  static std::vector<std::string> take_summary(Entry& entry, const Endpoint& address);

  std::mutex mutex_;
  std::map<Key, Entry> entries_;  // only addresses that hold something
};

}  // namespace sockd
