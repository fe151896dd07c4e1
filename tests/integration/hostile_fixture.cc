#include "hostile_fixture.h"

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <thread>

namespace socks4::test {

using std::chrono::milliseconds;

Outcome offend(uint16_t sockd_port, const std::vector<uint8_t>& bytes, Pace pace, bool half_close,
               milliseconds bound) {
  Outcome outcome;
  UniqueFd fd = connect_tcp("127.0.0.1", sockd_port);
  if (!fd) return outcome;
  if (pace == Pace::kAtOnce) {
    send_all(fd.get(), bytes);  // sockd may close early (an oversized field): that is fine
  } else {
    int one = 1;
    setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    for (uint8_t b : bytes) {
      if (!send_all(fd.get(), std::span(&b, 1))) break;
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  if (half_close) shutdown(fd.get(), SHUT_WR);
  ReadResult read = read_until_closed(fd.get(), bound);
  outcome.bytes_received = read.data.size();
  outcome.closed = read.end == ReadEnd::kEof || read.end == ReadEnd::kReset;
  if (read.data.size() >= kReplySize) {
    ReplyParse parsed =
        parse_reply(std::span(reinterpret_cast<const uint8_t*>(read.data.data()), kReplySize));
    if (parsed.status == ParseStatus::kComplete) outcome.reply = parsed.reply;
  }
  return outcome;
}

::testing::AssertionResult rejected_with_91(const Outcome& outcome) {
  if (!outcome.reply) {
    return ::testing::AssertionFailure() << "no reply (" << outcome.bytes_received << " bytes, "
                                         << (outcome.closed ? "closed" : "still open") << ")";
  }
  if (outcome.reply->code != ReplyCode::kRejected)
    return ::testing::AssertionFailure() << "reply " << static_cast<int>(outcome.reply->code);
  if (outcome.bytes_received != kReplySize)
    return ::testing::AssertionFailure() << outcome.bytes_received << " bytes, not just a reply";
  if (!outcome.closed) return ::testing::AssertionFailure() << "not closed after the 91";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult closed_silently(const Outcome& outcome) {
  if (outcome.bytes_received != 0)
    return ::testing::AssertionFailure() << outcome.bytes_received << " bytes before the close";
  if (!outcome.closed) return ::testing::AssertionFailure() << "not closed";
  return ::testing::AssertionSuccess();
}

void HostileTest::start(const std::string& rules, std::vector<std::string> extra_args,
                        int negotiate_s) {
  SockdOptions options;
  options.config = "timeout negotiate " + std::to_string(negotiate_s) + "\n" + rules;
  options.extra_args = std::move(extra_args);
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  bystander_ = std::make_unique<Bystander>(port());
  ASSERT_TRUE(bystander_->error().empty()) << bystander_->error();
  ASSERT_TRUE(bystander_->wait_for_progress(64 << 10, milliseconds(10000)));
}

void HostileTest::expect_bystander_intact() {
  ASSERT_TRUE(bystander_);
  EXPECT_TRUE(bystander_->wait_for_progress(256 << 10, milliseconds(10000)))
      << "the bystander stalled";
  EXPECT_EQ(bystander_->finish(), "");
  EXPECT_TRUE(sockd().wait_for_log("user=bystander", milliseconds(1000)));
}

void HostileTest::TearDown() {
  if (bystander_) bystander_->finish();
  SockdTest::TearDown();
}

}  // namespace socks4::test
