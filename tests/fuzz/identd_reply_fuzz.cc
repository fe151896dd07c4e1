// libFuzzer target for the identd answer parser: any bytes give a verdict without crashing,
// a user id is bounded and free of line breaks, the verdict does not depend on what follows
// the first line, and answer_complete agrees with the size bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../server/conf/identd_reply.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  namespace identd = socks4::identd;
  if (size < 4) return 0;
  // The first four bytes are the query's ports, the rest is what identd sent.
  const uint16_t client_port = static_cast<uint16_t>(bytes[0] << 8 | bytes[1]);
  const uint16_t server_port = static_cast<uint16_t>(bytes[2] << 8 | bytes[3]);
  const std::string_view received(reinterpret_cast<const char*>(bytes) + 4, size - 4);

  const identd::Answer answer = identd::parse_answer(received, client_port, server_port);
  switch (answer.kind) {
    case identd::AnswerKind::kUser:
      FUZZ_CHECK(!answer.user.empty());
      FUZZ_CHECK(answer.user.size() <= identd::kMaxUserIdLength);
      FUZZ_CHECK(answer.user.find_first_of("\r\n") == std::string::npos);
      break;
    case identd::AnswerKind::kError:
    case identd::AnswerKind::kInvalid:
      FUZZ_CHECK(answer.user.empty());
      break;
  }
  if (received.size() >= identd::kMaxAnswerSize) FUZZ_CHECK(identd::answer_complete(received));

  // Anything after a complete line is ignored.
  const size_t newline = received.find('\n');
  if (newline != std::string_view::npos && newline < identd::kMaxAnswerSize) {
    const identd::Answer line_only =
        identd::parse_answer(received.substr(0, newline + 1), client_port, server_port);
    FUZZ_CHECK(line_only.kind == answer.kind);
    FUZZ_CHECK(line_only.user == answer.user);
    FUZZ_CHECK(line_only.detail == answer.detail);
  }

  const std::string query = identd::format_query(client_port, server_port);
  FUZZ_CHECK(query.ends_with("\r\n"));
  return 0;
}
