// SOCKS servers that could not be reached lately, remembered for the whole process. Without
// this a program that makes many connections while the first server of an @= list is down
// waits out that server's connect timeout (15 s by default) on every connection. For
// kRetryAfter after a failure the server is tried after the others; it is still tried, last,
// so remembering a failure never refuses a connection by itself.
//
// Lock-free (a fixed table of atomics): safe from any thread and across fork(), where a lock
// another thread held would stay locked in the child (the preload runs in programs that fork).
// Advisory: two threads marking at once may lose one mark, which costs one more timeout.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "socks4/client_negotiation.h"

namespace socks4::client {

class UnreachableServers {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kRetryAfter{30};
  static constexpr size_t kSlots = 32;  // when all are taken, the mark that ends first goes

  void mark(uint32_t ipv4, uint16_t port, Clock::time_point now);
  void clear(uint32_t ipv4, uint16_t port);
  void clear_all();
  bool recently_failed(uint32_t ipv4, uint16_t port, Clock::time_point now) const;
  // Servers without a recent failure first, each group in its configured order.
  void order(std::vector<ServerEndpoint>& servers, Clock::time_point now) const;

 private:
  struct Slot {
    std::atomic<uint64_t> key{0};   // ipv4 << 16 | port, plus one (0: empty)
    std::atomic<int64_t> until{0};  // Clock ticks (time_since_epoch) when the mark ends
  };
  static uint64_t key_of(uint32_t ipv4, uint16_t port);
  std::array<Slot, kSlots> slots_;
};

// The process-wide table the negotiation uses.
UnreachableServers& unreachable_servers();

}  // namespace socks4::client
