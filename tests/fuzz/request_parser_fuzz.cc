// libFuzzer target for RequestParser: the same bytes fed at once, a byte at a time and in
// pseudo-random chunks give the same verdict; nothing past the request is consumed, never more
// than kMaxRequestSize; a complete request re-encodes to exactly the bytes it was parsed from.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_check.h"
#include "socks4/proto.h"

namespace {

using socks4::ParseStatus;
using socks4::RequestParse;
using socks4::RequestParser;

// Chunk sizes from a small generator seeded by the input, so splits differ per input but a
// saved crash input replays the same way.
class Chunker {
 public:
  explicit Chunker(std::span<const uint8_t> data) {
    for (uint8_t b : data) state_ = (state_ ^ b) * 1099511628211ull;
  }
  size_t next() {
    state_ ^= state_ >> 29;
    state_ *= 0xbf58476d1ce4e5b9ull;
    state_ ^= state_ >> 32;
    return 1 + state_ % 40;
  }

 private:
  uint64_t state_ = 14695981039346656037ull;
};

// Feeds `data` in chunks of `chunk_size()` bytes, as a server reading a socket would.
template <typename ChunkSize>
RequestParse feed_in_chunks(std::span<const uint8_t> data, ChunkSize chunk_size) {
  RequestParser parser;
  size_t offset = 0;
  while (offset < data.size() && parser.status() == ParseStatus::kNeedMore) {
    const size_t n = std::min(chunk_size(), data.size() - offset);
    size_t consumed = 0;
    const ParseStatus status = parser.feed(data.subspan(offset, n), &consumed);
    FUZZ_CHECK(consumed <= n);
    FUZZ_CHECK(status == parser.status());
    // Short of the end of the request the parser takes everything it is given.
    if (status == ParseStatus::kNeedMore) FUZZ_CHECK(consumed == n);
    offset += consumed;
    FUZZ_CHECK(parser.bytes_consumed() == offset);
  }
  // A finished parser consumes nothing more.
  if (parser.status() != ParseStatus::kNeedMore && offset < data.size()) {
    size_t consumed = 99;
    parser.feed(data.subspan(offset), &consumed);
    FUZZ_CHECK(consumed == 0);
  }
  return {parser.status(), parser.error(), parser.request(), parser.bytes_consumed()};
}

void check_same(const RequestParse& a, const RequestParse& b) {
  FUZZ_CHECK(a.status == b.status);
  FUZZ_CHECK(a.error == b.error);
  FUZZ_CHECK(a.consumed == b.consumed);
  if (a.status == ParseStatus::kComplete) FUZZ_CHECK(a.request == b.request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::span<const uint8_t> data(bytes, size);
  const RequestParse whole = socks4::parse_request(data);

  FUZZ_CHECK(whole.consumed <= data.size());
  FUZZ_CHECK(whole.consumed <= socks4::kMaxRequestSize);
  switch (whole.status) {
    case ParseStatus::kNeedMore:
      FUZZ_CHECK(whole.consumed == data.size());
      FUZZ_CHECK(whole.error == socks4::ParseError::kNone);
      break;
    case ParseStatus::kInvalid:
      FUZZ_CHECK(whole.error != socks4::ParseError::kNone);
      FUZZ_CHECK(socks4::to_string(whole.error) != nullptr);
      break;
    case ParseStatus::kComplete: {
      FUZZ_CHECK(whole.error == socks4::ParseError::kNone);
      FUZZ_CHECK(whole.request.user_id.size() <= socks4::kMaxUserIdLength);
      FUZZ_CHECK(whole.request.hostname.size() <= socks4::kMaxHostnameLength);
      const std::vector<uint8_t> encoded = socks4::encode_request(whole.request);
      FUZZ_CHECK(std::vector<uint8_t>(data.begin(), data.begin() + whole.consumed) == encoded);
      const RequestParse again = socks4::parse_request(encoded);
      FUZZ_CHECK(again.status == ParseStatus::kComplete);
      FUZZ_CHECK(again.request == whole.request);
      break;
    }
  }

  check_same(whole, feed_in_chunks(data, [] { return size_t{1}; }));
  Chunker chunker(data);
  check_same(whole, feed_in_chunks(data, [&] { return chunker.next(); }));
  return 0;
}
