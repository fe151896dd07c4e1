// A well-behaved client that keeps a two-way transfer running through sockd while a test
// misbehaves next to it. Both ends (the client, and a peer on loopback reached through sockd)
// send a paced reproducible stream until finish(); then each half-closes and reads to EOF, and
// finish() checks that each end received exactly what the other sent.
//
//   Bystander bystander(sockd.port());
//   ASSERT_TRUE(bystander.error().empty()) << bystander.error();
//   ... hostile clients ...
//   EXPECT_TRUE(bystander.wait_for_progress(1 << 20, 10s));  // still flowing meanwhile
//   EXPECT_EQ(bystander.finish(), "");
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include "loopback_server.h"
#include "socks4/unique_fd.h"

namespace socks4::test {

class PacedEnd;

class Bystander {
 public:
  struct Options {
    size_t chunk = 16 << 10;                      // bytes per send
    std::chrono::milliseconds pause{5};           // between sends: ~3 MB/s each way
    uint64_t seed = 0xb757;                       // the peer uses seed + 1
    std::chrono::milliseconds io_timeout{20000};  // a stall this long fails the transfer
  };

  // Opens the relay (a CONNECT to the peer) and starts both ends; see error().
  explicit Bystander(uint16_t sockd_port);
  Bystander(uint16_t sockd_port, Options options);
  ~Bystander();
  Bystander(const Bystander&) = delete;
  Bystander& operator=(const Bystander&) = delete;

  // Non-empty if the relay could not be opened.
  const std::string& error() const { return error_; }
  // The smaller of the byte counts the two ends have received so far.
  uint64_t delivered() const;
  // Waits until delivered() has grown by `bytes` (bounded); false if it did not.
  bool wait_for_progress(uint64_t bytes, std::chrono::milliseconds timeout);
  // Stops sending, lets both directions drain to EOF and compares checksums. Empty if the
  // transfer was intact; otherwise what went wrong. Only the first call does the work.
  std::string finish(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

 private:
  Options options_;
  std::string error_;
  std::promise<void> peer_started_;
  std::promise<void> peer_done_;
  std::atomic<bool> peer_taken_{false};  // only the first connection to the peer counts
  std::shared_ptr<PacedEnd> peer_end_;
  std::shared_ptr<PacedEnd> client_end_;
  UniqueFd client_fd_;
  std::unique_ptr<LoopbackServer> peer_;
  std::string verdict_;
  bool finished_ = false;
};

}  // namespace socks4::test
