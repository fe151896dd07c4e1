// Reproducible pseudo-random byte streams and a 64-bit checksum, so a transfer of tens of MiB
// can be checked without keeping it in memory: both ends regenerate or hash as they go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace socks4::test {

// FNV-1a, 64 bit: not cryptographic, but any lost, duplicated, reordered or altered byte
// changes it with overwhelming probability, which is all a relay test needs.
class Checksum {
 public:
  void add(std::span<const uint8_t> data);
  uint64_t value() const { return hash_; }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
  uint64_t bytes_ = 0;
};

// xorshift64* stream: the same seed always yields the same bytes.
class ByteStream {
 public:
  explicit ByteStream(uint64_t seed) : state_(seed ? seed : 1) {}
  void fill(std::span<uint8_t> out);

 private:
  uint64_t next();
  uint64_t state_;
  uint64_t word_ = 0;  // bytes of the current word not handed out yet
  int word_left_ = 0;
};

// Checksum of the first `length` bytes of ByteStream(seed).
Checksum checksum_of_stream(uint64_t seed, size_t length);

}  // namespace socks4::test
