#include "socks4/client_unreachable.h"

#include <algorithm>

namespace socks4::client {
namespace {

int64_t ticks(UnreachableServers::Clock::time_point at) {
  return at.time_since_epoch().count();
}

}  // namespace

uint64_t UnreachableServers::key_of(uint32_t ipv4, uint16_t port) {
  return (uint64_t{ipv4} << 16 | port) + 1;
}

void UnreachableServers::mark(uint32_t ipv4, uint16_t port, Clock::time_point now) {
  const uint64_t key = key_of(ipv4, port);
  const int64_t until = ticks(now + kRetryAfter);
  // This server's slot if it has one, else an empty or lapsed one, else the one ending first.
  Slot* chosen = nullptr;
  for (Slot& slot : slots_) {
    if (slot.key.load(std::memory_order_relaxed) == key) {
      chosen = &slot;
      break;
    }
  }
  if (!chosen) {
    chosen = &slots_[0];
    for (Slot& slot : slots_) {
      if (slot.until.load(std::memory_order_relaxed) <
          chosen->until.load(std::memory_order_relaxed))
        chosen = &slot;
    }
  }
  chosen->until.store(until, std::memory_order_relaxed);
  chosen->key.store(key, std::memory_order_relaxed);
}

void UnreachableServers::clear(uint32_t ipv4, uint16_t port) {
  const uint64_t key = key_of(ipv4, port);
  for (Slot& slot : slots_) {
    if (slot.key.load(std::memory_order_relaxed) == key)
      slot.until.store(0, std::memory_order_relaxed);
  }
}

void UnreachableServers::clear_all() {
  for (Slot& slot : slots_) {
    slot.key.store(0, std::memory_order_relaxed);
    slot.until.store(0, std::memory_order_relaxed);
  }
}

bool UnreachableServers::recently_failed(uint32_t ipv4, uint16_t port,
                                         Clock::time_point now) const {
  const uint64_t key = key_of(ipv4, port);
  for (const Slot& slot : slots_) {
    if (slot.key.load(std::memory_order_relaxed) == key &&
        slot.until.load(std::memory_order_relaxed) > ticks(now))
      return true;
  }
  return false;
}

void UnreachableServers::order(std::vector<ServerEndpoint>& servers, Clock::time_point now) const {
  std::stable_partition(servers.begin(), servers.end(), [&](const ServerEndpoint& server) {
    return !recently_failed(server.ipv4, server.port, now);
  });
}

UnreachableServers& unreachable_servers() {
  static UnreachableServers table;
  return table;
}

}  // namespace socks4::client
