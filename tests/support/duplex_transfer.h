// One end of a two-way bulk transfer with half-close: sends a reproducible stream while
// reading everything the other end sends, until EOF. An end with `bytes_after_peer_eof` > 0
// sends that much more only after it has seen the other end's EOF, which proves the relay
// keeps the second direction open after the first one is shut down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "byte_stream.h"

namespace socks4::test {

struct DuplexPlan {
  uint64_t seed = 1;
  size_t bytes = 0;                 // sent at once, concurrently with reading
  size_t bytes_after_peer_eof = 0;  // sent after the peer's EOF; then this end shuts down
};

struct DuplexResult {
  Checksum received;       // over everything read until EOF
  bool clean_eof = false;  // reading ended with EOF (not an error or timeout)
  bool sent_all = false;   // every planned byte was sent and the write side shut down
  std::string error;       // first failure, for test messages
};

// Runs the plan on a connected blocking socket with SO_RCVTIMEO/SO_SNDTIMEO set; every step
// is bounded by those timeouts.
DuplexResult run_duplex(int fd, const DuplexPlan& plan);

// What the other end should have received from an end running `plan`.
inline Checksum expected_from(const DuplexPlan& plan) {
  return checksum_of_stream(plan.seed, plan.bytes + plan.bytes_after_peer_eof);
}

}  // namespace socks4::test
