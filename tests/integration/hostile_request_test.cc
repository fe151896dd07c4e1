// Malformed requests, each sent by several clients (all at once, and a byte at a time) while a
// bystander transfer runs through the same sockd: every offender gets 91 or a close, each gets
// a log line, and the bystander's data arrives intact.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hostile_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

enum class Expect { k91, kClose };

struct HostileCase {
  const char* name;
  std::vector<uint8_t> bytes;
  bool half_close;  // the client gives up (EOF) after sending
  Expect expect;
  const char* log_text;  // in one log line per offender
};

std::vector<uint8_t> bytes(std::initializer_list<int> values, const std::string& tail = "") {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

std::string with_nul(const std::string& text) {
  return text + std::string(1, '\0');
}

const char* const kGaveUp = "closed the connection before completing a request -> closed";
const char* const kNotSocks4 = "not a SOCKS4 request (version byte is not 4) -> closed";

std::vector<HostileCase> cases() {
  const std::vector<int> to_localhost = {4, 1, 0, 80, 127, 0, 0, 1};
  const std::vector<int> four_a = {4, 1, 0, 80, 0, 0, 0, 1};
  auto header = [](const std::vector<int>& h, const std::string& tail) {
    std::vector<uint8_t> out(h.begin(), h.end());
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
  };
  return {
      {"TruncatedInHeader", bytes({4, 1, 0}), true, Expect::kClose, kGaveUp},
      {"TruncatedInUserid", header(to_localhost, "alic"), true, Expect::kClose, kGaveUp},
      {"TruncatedInHostname", header(four_a, with_nul("u") + "www.exa"), true, Expect::kClose,
       kGaveUp},
      {"Socks5Greeting", bytes({5, 1, 0}), false, Expect::kClose, kNotSocks4},
      {"VersionZero", bytes({0, 1, 0, 80, 127, 0, 0, 1, 0}), false, Expect::kClose, kNotSocks4},
      {"HttpRequest", bytes({}, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false, Expect::kClose,
       kNotSocks4},
      {"CommandZero", bytes({4, 0, 0, 80, 127, 0, 0, 1, 0}), false, Expect::k91,
       "bad request: unknown command (CD is not 1 or 2) -> rejected"},
      {"Command255", bytes({4, 255, 0, 80, 127, 0, 0, 1, 0}), false, Expect::k91,
       "bad request: unknown command (CD is not 1 or 2) -> rejected"},
      {"UseridOf256", header(to_localhost, with_nul(std::string(256, 'u'))), false, Expect::k91,
       "bad request: USERID longer than 255 bytes -> rejected"},
      {"UseridOf64KiBWithoutEnd", header(to_localhost, std::string(64 << 10, 'u')), false,
       Expect::k91, "bad request: USERID longer than 255 bytes -> rejected"},
      {"HostnameOf256", header(four_a, with_nul("u") + with_nul(std::string(256, 'h'))), false,
       Expect::k91, "bad request: HOSTNAME longer than 255 bytes -> rejected"},
      {"HostnameOf64KiBWithoutEnd", header(four_a, with_nul("u") + std::string(64 << 10, 'h')),
       false, Expect::k91, "bad request: HOSTNAME longer than 255 bytes -> rejected"},
      {"HostnameWithControlByte", header(four_a, with_nul("u") + with_nul("www\x01.test")), false,
       Expect::k91, "bad request: non-printable byte in HOSTNAME -> rejected"},
      {"HostnameWithEscape", header(four_a, with_nul("u") + with_nul("\x1b[2Jwww.test")), false,
       Expect::k91, "bad request: non-printable byte in HOSTNAME -> rejected"},
      {"HostnameWithSpace", header(four_a, with_nul("u") + with_nul("www .test")), false,
       Expect::k91, "bad request: non-printable byte in HOSTNAME -> rejected"},
      {"HostnameWithDelete", header(four_a, with_nul("u") + with_nul("www\x7f.test")), false,
       Expect::k91, "bad request: non-printable byte in HOSTNAME -> rejected"},
      {"HostnameWithUtf8", header(four_a, with_nul("u") + with_nul("caf\xc3\xa9.test")), false,
       Expect::k91, "bad request: non-printable byte in HOSTNAME -> rejected"},
      {"HostnameEmpty", header(four_a, with_nul("u") + with_nul("")), false, Expect::k91,
       "bad request: empty HOSTNAME in a 4a request -> rejected"},
      {"DestinationZero", bytes({4, 1, 0, 80, 0, 0, 0, 0}, with_nul("u")), false, Expect::k91,
       "bad request: destination address 0.0.0.0 -> rejected"},
      {"BindToZero", bytes({4, 2, 0, 21, 0, 0, 0, 0}, with_nul("u")), false, Expect::k91,
       "bad request: destination address 0.0.0.0 -> rejected"},
  };
}

constexpr int kOffenders = 8;

class HostileRequest : public HostileTest,
                       public ::testing::WithParamInterface<std::tuple<HostileCase, Pace>> {};

TEST_P(HostileRequest, OffenderIsTurnedAwayAndLoggedWhileTheBystanderFlows) {
  const auto& [hostile, pace] = GetParam();
  ASSERT_NO_FATAL_FAILURE(start());
  // A 64 KiB field sent a byte at a time would take a minute: the first 300 bytes make the
  // same point (sockd decides at byte 256 of the field).
  std::vector<uint8_t> request = hostile.bytes;
  if (pace == Pace::kByteAtATime && request.size() > 600) request.resize(600);
  for (int i = 0; i < kOffenders; ++i) {
    Outcome outcome = offend(port(), request, pace, hostile.half_close);
    if (hostile.expect == Expect::k91) {
      EXPECT_TRUE(rejected_with_91(outcome)) << "offender " << i;
    } else {
      EXPECT_TRUE(closed_silently(outcome)) << "offender " << i;
    }
  }
  EXPECT_TRUE(sockd().wait_for_log(hostile.log_text, milliseconds(3000)));
  EXPECT_EQ(sockd().log_lines_with({hostile.log_text}).size(), static_cast<size_t>(kOffenders))
      << sockd().log();
  expect_bystander_intact();
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<HostileCase, Pace>>& info) {
  return std::string(std::get<0>(info.param).name) +
         (std::get<1>(info.param) == Pace::kAtOnce ? "AtOnce" : "ByteAtATime");
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileRequest,
                         ::testing::Combine(::testing::ValuesIn(cases()),
                                            ::testing::Values(Pace::kAtOnce, Pace::kByteAtATime)),
                         case_name);

}  // namespace
}  // namespace socks4::test
