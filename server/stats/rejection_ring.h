// The last rejections a worker made, with their reasons, for the status page: a fixed ring, so
// a flood of bad clients costs a bounded amount of memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sockd::stats {

struct Rejection {
  int64_t unix_ms = 0;  // wall clock, for people
  std::string client;   // "198.51.100.7:40123"
  std::string request;  // "CONNECT user=alice example.test:80", or "" before a request
  std::string reason;   // "no rule permits it", "connect timed out after 120s", ...
};

class RejectionRing {
 public:
  static constexpr size_t kCapacity = 32;  // per worker
  static constexpr size_t kMaxText = 256;  // bytes per field kept

  void add(Rejection rejection);
  // Oldest first.
  std::vector<Rejection> entries() const;

 private:
  std::array<Rejection, kCapacity> ring_;
  size_t next_ = 0;
  size_t size_ = 0;
};

}  // namespace sockd::stats
