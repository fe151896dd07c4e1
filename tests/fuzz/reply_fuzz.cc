// libFuzzer target for parse_reply: a complete reply re-encodes to its 8 bytes, every shorter
// prefix of it needs more, and kInvalid only ever comes from a bad VN or CD byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.h"
#include "socks4/proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using socks4::ParseStatus;
  const std::span<const uint8_t> data(bytes, size);
  const socks4::ReplyParse parse = socks4::parse_reply(data);
  const bool bad_vn = size >= 1 && data[0] != socks4::kReplyVersion;
  const bool bad_cd = size >= 2 && (data[1] < 90 || data[1] > 93);

  switch (parse.status) {
    case ParseStatus::kInvalid:
      FUZZ_CHECK(bad_vn || bad_cd);
      break;
    case ParseStatus::kNeedMore:
      FUZZ_CHECK(size < socks4::kReplySize && !bad_vn && !bad_cd);
      break;
    case ParseStatus::kComplete: {
      FUZZ_CHECK(size >= socks4::kReplySize && !bad_vn && !bad_cd);
      const auto encoded = socks4::encode_reply(parse.reply);
      FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), data.begin()));
      for (size_t n = 0; n < socks4::kReplySize; ++n)
        FUZZ_CHECK(socks4::parse_reply(data.first(n)).status == ParseStatus::kNeedMore);
      break;
    }
  }
  return 0;
}
