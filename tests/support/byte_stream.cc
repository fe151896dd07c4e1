#include "byte_stream.h"

#include <algorithm>
#include <vector>

namespace socks4::test {

void Checksum::add(std::span<const uint8_t> data) {
  uint64_t h = hash_;
  for (uint8_t b : data) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  hash_ = h;
  bytes_ += data.size();
}

uint64_t ByteStream::next() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545f4914f6cdd1dull;
}

void ByteStream::fill(std::span<uint8_t> out) {
  // Byte by byte from whole words, so the stream does not depend on how callers chunk it.
  for (uint8_t& b : out) {
    if (word_left_ == 0) {
      word_ = next();
      word_left_ = 8;
    }
    b = static_cast<uint8_t>(word_);
    word_ >>= 8;
    --word_left_;
  }
}

Checksum checksum_of_stream(uint64_t seed, size_t length) {
  ByteStream stream(seed);
  Checksum sum;
  std::vector<uint8_t> buf(1 << 16);
  while (length > 0) {
    size_t n = std::min(length, buf.size());
    stream.fill(std::span(buf).first(n));
    sum.add(std::span(buf).first(n));
    length -= n;
  }
  return sum;
}

}  // namespace socks4::test
