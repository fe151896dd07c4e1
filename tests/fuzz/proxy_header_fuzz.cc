// libFuzzer target for the PROXY protocol header parser: a verdict never reads or takes more
// than it is given or than kMaxSize; every prefix of a header is "need more" and the header
// itself parses the same whatever follows it; once malformed, every longer input is malformed
// too (so a reader waiting for more bytes never waits on a lost cause); a v1 header ends in
// CRLF within 107 bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../server/proxy_header.h"
#include "fuzz_check.h"

namespace {

using sockd::proxy_header::kMaxSize;
using sockd::proxy_header::kMaxV1Size;
using sockd::proxy_header::parse;
using sockd::proxy_header::Result;
using sockd::proxy_header::Status;

bool same_endpoint(const sockd::Endpoint& a, const sockd::Endpoint& b) {
  return a.family == b.family && a.port == b.port && a.address == b.address;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::span<const uint8_t> data(bytes, size);
  const Result whole = parse(data);
  switch (whole.status) {
    case Status::kNeedMore:
      FUZZ_CHECK(data.size() < kMaxSize);
      FUZZ_CHECK(whole.error.empty());
      break;
    case Status::kMalformed:
      FUZZ_CHECK(!whole.error.empty());
      break;
    case Status::kDone: {
      FUZZ_CHECK(whole.consumed > 0 && whole.consumed <= data.size());
      FUZZ_CHECK(whole.consumed <= kMaxSize);
      FUZZ_CHECK(whole.header.version == 1 || whole.header.version == 2);
      if (whole.header.version == 1) {
        FUZZ_CHECK(whole.consumed <= kMaxV1Size);
        FUZZ_CHECK(data[whole.consumed - 2] == '\r' && data[whole.consumed - 1] == '\n');
      }
      if (!whole.header.local) {
        FUZZ_CHECK(whole.header.source.family == AF_INET || whole.header.source.family == AF_INET6);
        FUZZ_CHECK(whole.header.destination.family == AF_INET ||
                   whole.header.destination.family == AF_INET6);
      }
      // The header alone gives the same verdict.
      const Result exact = parse(data.first(whole.consumed));
      FUZZ_CHECK(exact.status == Status::kDone && exact.consumed == whole.consumed);
      FUZZ_CHECK(exact.header.local == whole.header.local);
      FUZZ_CHECK(same_endpoint(exact.header.source, whole.header.source));
      FUZZ_CHECK(same_endpoint(exact.header.destination, whole.header.destination));
      break;
    }
  }
  // Prefixes: "need more" before a header is complete; malformed stays malformed.
  bool malformed_seen = false;
  const size_t end = whole.status == Status::kDone ? whole.consumed : data.size();
  for (size_t n = 0; n < end; ++n) {
    const Result prefix = parse(data.first(n));
    if (whole.status == Status::kDone) FUZZ_CHECK(prefix.status == Status::kNeedMore);
    if (malformed_seen) FUZZ_CHECK(prefix.status == Status::kMalformed);
    malformed_seen = prefix.status == Status::kMalformed;
    FUZZ_CHECK(prefix.status != Status::kDone);
  }
  if (malformed_seen) FUZZ_CHECK(whole.status == Status::kMalformed);
  return 0;
}
