// Clients that never finish their request: a few dozen stalled at every stage of a request,
// and thousands of idle ones at once. sockd keeps serving the bystander and new clients
// meanwhile, drops every staller at the negotiation timeout with a log line, and ends up with
// the descriptors it had before.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "../support/bind_client.h"
#include "../support/load_scale.h"
#include "../support/loopback_server.h"
#include "hostile_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const char* const kTimedOut = "negotiation timed out after 2s -> closed";

// Prefixes of a valid 4a request, from nothing at all to everything but the final NUL.
std::vector<std::vector<uint8_t>> stalled_prefixes() {
  std::vector<uint8_t> full = connect_request_4a("only-sockd.test", 80, "staller");
  std::vector<std::vector<uint8_t>> out;
  for (size_t length : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{8}, size_t{12},
                        full.size() - 5, full.size() - 1})
    out.emplace_back(full.begin(), full.begin() + static_cast<long>(length));
  return out;
}

// Waits (bounded) until every fd in `clients` has been closed by sockd; returns how many were.
int wait_all_closed(std::vector<UniqueFd>& clients, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int closed = 0;
  for (UniqueFd& fd : clients) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    std::string received;
    if (wait_for_close(fd.get(), std::max(left, milliseconds(1)), &received) && received.empty())
      ++closed;
  }
  return closed;
}

class HostileStall : public HostileTest {};

TEST_F(HostileStall, RequestsThatNeverCompleteAreDroppedAtTheNegotiationTimeout) {
  ASSERT_NO_FATAL_FAILURE(start());
  const int baseline = open_descriptors(sockd().pid());
  std::vector<UniqueFd> stalled;
  const auto begun = Clock::now();
  for (int round = 0; round < 5; ++round) {
    for (const auto& prefix : stalled_prefixes()) {
      UniqueFd fd = connect_tcp("127.0.0.1", port());
      ASSERT_TRUE(fd);
      if (!prefix.empty()) {
        ASSERT_TRUE(send_all(fd.get(), prefix));
      }
      stalled.push_back(std::move(fd));
    }
  }
  // Not before the timeout ...
  std::this_thread::sleep_for(milliseconds(kHostileNegotiateSeconds * 1000 / 2));
  for (UniqueFd& fd : stalled) EXPECT_FALSE(wait_for_close(fd.get(), milliseconds(0)));
  // ... but soon after it.
  EXPECT_EQ(wait_all_closed(stalled, milliseconds(8000)), static_cast<int>(stalled.size()));
  // libevent runs timers off the loop's cached clock, read when the loop woke: a timer may
  // fire a fraction of a millisecond early measured by this clock.
  EXPECT_GE(Clock::now() - begun,
            std::chrono::seconds(kHostileNegotiateSeconds) - milliseconds(50));
  EXPECT_TRUE(sockd().wait_for_log(kTimedOut, milliseconds(2000)));
  EXPECT_EQ(sockd().log_lines_with({kTimedOut}).size(), stalled.size());
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(5000)), baseline);
  expect_bystander_intact();
}

TEST_F(HostileStall, ThousandsOfIdleClientsDoNotStopService) {
  const int kIdle = load_size(3000, 1000, 3000);
  constexpr int kNegotiateSeconds = 6;  // room to connect them all before the first is dropped
  const std::string timed_out = "negotiation timed out after 6s -> closed";
  // All from one address: without max_negotiations_per_source (whose default, an eighth of the
  // descriptor limit, would refuse most of them; source_limits_test.cc tests that).
  ASSERT_NO_FATAL_FAILURE(start("max_negotiations_per_source 0\npermit 127.0.0.0 255.0.0.0\n",
                                {"-t", "2"}, kNegotiateSeconds));
  const int baseline = open_descriptors(sockd().pid());
  LoopbackServer echo(echo_handler);
  std::vector<UniqueFd> idle;
  idle.reserve(kIdle);
  const auto prefixes = stalled_prefixes();
  const auto begun = Clock::now();
  for (int i = 0; i < kIdle; ++i) {
    UniqueFd fd = connect_tcp("127.0.0.1", port());
    ASSERT_TRUE(fd) << "idle client " << i;
    const auto& prefix = prefixes[static_cast<size_t>(i) % prefixes.size()];
    if (!prefix.empty()) {
      ASSERT_TRUE(send_all(fd.get(), prefix));
    }
    idle.push_back(std::move(fd));
  }
  const auto connected = Clock::now();
  // While they all sit there, within the timeout: the bystander flows and a newcomer is served.
  EXPECT_TRUE(bystander_->wait_for_progress(64 << 10, milliseconds(5000)));
  UniqueFd newcomer = open_relay(port(), connect_request("127.0.0.1", echo.port(), "newcomer"));
  ASSERT_TRUE(newcomer);
  ASSERT_TRUE(send_all(newcomer.get(), "still here?"));
  EXPECT_TRUE(recv_exact(newcomer.get(), 11));
  // Each idle client plus the newcomer's two sockets; sockd may still be draining its accept
  // queues, so wait for them, but only while none can have reached its timeout.
  const auto before_timeout =
      begun + std::chrono::seconds(kNegotiateSeconds) - milliseconds(500) - Clock::now();
  const int held = wait_for_descriptors_at_least(
      sockd().pid(), baseline + kIdle + 2,
      std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(before_timeout)));
  std::cout << "[ measure  ] " << kIdle << " idle clients connected in "
            << std::chrono::duration_cast<milliseconds>(connected - begun).count()
            << " ms; sockd holds " << held << " descriptors (baseline " << baseline << ")\n";
  // sockd accepted and holds every one of them (none has reached its timeout yet).
  if (Clock::now() - begun < std::chrono::seconds(kNegotiateSeconds)) {
    EXPECT_GE(held, baseline + kIdle + 2);
    EXPECT_TRUE(sockd().log_lines_with({timed_out}).empty());
  }
  EXPECT_EQ(wait_all_closed(idle, milliseconds(20000)), kIdle);
  EXPECT_TRUE(sockd().wait_for_log(timed_out, milliseconds(2000)));
  EXPECT_EQ(sockd().log_lines_with({timed_out}).size(), static_cast<size_t>(kIdle));
  newcomer.reset();
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(5000)), baseline);
  expect_bystander_intact();
}

}  // namespace
}  // namespace socks4::test
