// Soak: thousands of relays held at once (9,000 in the full run), three times over, and a long run
// of sequential short connections. sockd ends each round with the descriptors it started with, and
// its resident memory does not grow from one round to the next. Echo peers run in a separate
// process (echo_process.h): the test process holds only the client sockets. Sizes: load_scale.h
// (SOCKS4_SOAK=1 runs a million sequential connections).
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "../support/bind_client.h"
#include "../support/echo_process.h"
#include "../support/load_scale.h"
#include "../support/process_stats.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const int kConcurrent = load_size(9000, 2000, 9000);
const int kSequential = load_size(100000, 10000, 1000000);
constexpr int kWarmUp = 2000;  // sequential connections before the "before" figures
// Memory growth allowed per round in a normal build. Not checked in sanitizer builds, whose
// allocators keep freed memory resident (leaks are LeakSanitizer's job there).
constexpr long kRssGrowthBoundKib = 2 << 10;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count() / 1000.0;
}

class Soak : public SockdTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(echo_.ok());
    SockdOptions options;
    // Thousands of relays from one address: more than max_connections_per_source allows by
    // default (a quarter of the descriptor limit).
    options.config = "max_connections_per_source 0\npermit 127.0.0.0/8\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  }

  // Opens `count` relays, checks each echoes its own bytes, closes them all; returns false
  // (after failing the test) if something did not work.
  bool hold_round(int count, const char* label) {
    const auto begun = Clock::now();
    std::vector<UniqueFd> relays;
    relays.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      relays.push_back(open_relay(port(), connect_request("127.0.0.1", echo_.port())));
      if (!relays.back()) {
        ADD_FAILURE() << label << ": relay " << i << " was not granted";
        return false;
      }
    }
    const double opened = seconds_since(begun);
    const int held_fds = open_descriptors(sockd().pid());
    const long held_rss = resident_kib(sockd().pid());
    for (int i = 0; i < count; ++i) {  // all in flight at once, then all read back
      uint64_t tag = static_cast<uint64_t>(i) * 2654435761u;
      if (!send_all(relays[i].get(), std::span(reinterpret_cast<uint8_t*>(&tag), sizeof tag))) {
        ADD_FAILURE() << label << ": send on relay " << i;
        return false;
      }
    }
    for (int i = 0; i < count; ++i) {
      uint64_t tag = static_cast<uint64_t>(i) * 2654435761u;
      auto back = recv_exact(relays[i].get(), sizeof tag);
      if (!back || std::memcmp(back->data(), &tag, sizeof tag) != 0) {
        ADD_FAILURE() << label << ": relay " << i << " did not echo its own bytes";
        return false;
      }
    }
    relays.clear();
    std::cout << "[ measure  ] " << label << ": " << count << " relays opened in " << opened
              << " s; held: " << held_fds << " descriptors, RSS " << held_rss << " KiB ("
              << (held_rss * 1024 / count) << " bytes per relay incl. baseline)\n";
    return true;
  }

  EchoProcess echo_;  // forked before anything else starts threads
};

TEST_F(Soak, ThousandsOfConcurrentRelaysLeaveNothingBehind) {
  const int fds_before = open_descriptors(sockd().pid());
  const long rss_before = resident_kib(sockd().pid());
  ASSERT_TRUE(hold_round(kConcurrent, "round 1"));
  // Descriptors other than pipes go back to where they started; idle splice pipes stay pooled
  // for reuse, at most kIdlePipes = 16 pairs per thread, 2 threads.
  const int fds_round1 = wait_for_descriptors(sockd().pid(), fds_before, milliseconds(20000));
  constexpr int kPooledPipeEndsAtMost = 2 * 16 * 2;
  const long rss_round1 = resident_kib(sockd().pid());
  ASSERT_TRUE(hold_round(kConcurrent, "round 2"));
  const int fds_round2 = wait_for_descriptors(sockd().pid(), fds_round1, milliseconds(20000));
  const long rss_round2 = resident_kib(sockd().pid());
  ASSERT_TRUE(hold_round(kConcurrent, "round 3"));
  const int fds_round3 = wait_for_descriptors(sockd().pid(), fds_round1, milliseconds(20000));
  const long rss_round3 = resident_kib(sockd().pid());
  std::cout << "[ measure  ] sockd RSS: start " << rss_before << " KiB, after round 1 "
            << rss_round1 << " KiB, after round 2 " << rss_round2 << " KiB, after round 3 "
            << rss_round3 << " KiB; descriptors " << fds_before << " at start, " << fds_round1
            << " after round 1, " << fds_round2 << " after round 2, " << fds_round3
            << " after round 3\n";
  EXPECT_EQ(fds_round1, fds_before);
  EXPECT_EQ(fds_round2, fds_before);
  EXPECT_EQ(fds_round3, fds_before);
  EXPECT_LE(open_pipes(sockd().pid()), kPooledPipeEndsAtMost);
  // The first round may leave the allocator's arenas grown; later ones must not add to it.
  if (!kSanitizedBuild) {
    EXPECT_LT(rss_round2 - rss_round1, kRssGrowthBoundKib);
    EXPECT_LT(rss_round3 - rss_round2, kRssGrowthBoundKib);
  }
  EXPECT_EQ(sockd().log_lines_with({"-> granted"}).size(), 3u * kConcurrent);
}

// One short connection: request and a byte together, the reply and the echoed byte, close.
bool short_connection(uint16_t sockd_port, const std::vector<uint8_t>& request_and_byte) {
  UniqueFd fd = connect_tcp("127.0.0.1", sockd_port);
  if (!fd || !send_all(fd.get(), request_and_byte)) return false;
  auto answer = recv_exact(fd.get(), kReplySize + 1);
  return answer && (*answer)[1] == static_cast<uint8_t>(ReplyCode::kGranted) &&
         answer->back() == request_and_byte.back();
}

TEST_F(Soak, SequentialShortConnectionsLeaveNothingBehind) {
  std::vector<uint8_t> bytes = connect_request("127.0.0.1", echo_.port());
  bytes.push_back('!');
  for (int i = 0; i < kWarmUp; ++i) ASSERT_TRUE(short_connection(port(), bytes)) << i;
  const int fds_before =
      wait_for_descriptors(sockd().pid(), open_descriptors(sockd().pid()), milliseconds(100));
  const long rss_before = resident_kib(sockd().pid());
  const auto begun = Clock::now();
  int failures = 0;
  for (int i = 0; i < kSequential; ++i) {
    if (!short_connection(port(), bytes) && ++failures > 10) {
      FAIL() << "more than 10 of the first " << i + 1 << " connections failed";
    }
  }
  const double took = seconds_since(begun);
  EXPECT_EQ(failures, 0);
  const long rss_after = resident_kib(sockd().pid());
  // The last relays may still be closing.
  const int fds_after = wait_for_descriptors(sockd().pid(), fds_before, milliseconds(5000));
  std::cout << "[ measure  ] " << kSequential << " sequential connections in " << took << " s ("
            << static_cast<int>(kSequential / took) << " per second); sockd RSS " << rss_before
            << " -> " << rss_after << " KiB, descriptors " << fds_before << " -> " << fds_after
            << "\n";
  EXPECT_LE(fds_after, fds_before);
  if (!kSanitizedBuild) {
    EXPECT_LT(rss_after - rss_before, kRssGrowthBoundKib);
  }
}

}  // namespace
}  // namespace socks4::test
