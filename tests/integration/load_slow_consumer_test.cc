// A slow consumer: clients that stop reading while their destinations offer 256 MiB each.
// sockd must stop reading from the senders instead of buffering: the bytes accepted from them
// stay bounded (socket buffers and one pipe or buffer per direction), sockd's resident memory
// barely moves, and once the clients read again every byte arrives intact. With splice and
// with --no-splice.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "../support/byte_stream.h"
#include "../support/load_scale.h"
#include "../support/loopback_server.h"
#include "../support/process_stats.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kStalled = 4;
const size_t kOffered = load_size<size_t>(size_t{256} << 20, size_t{32} << 20, size_t{256} << 20);
// Loopback socket buffers autotune to a few MiB each (tcp_rmem/tcp_wmem), and sockd holds one
// pipe (1 MiB) or buffer (128 KiB): far below what is offered.
constexpr size_t kInFlightBound = 32u << 20;
constexpr long kRssGrowthBoundKib = 4 << 10;

// Waits until `counter` has not moved for a second (bounded); returns its value.
uint64_t settled(const std::atomic<uint64_t>& counter) {
  const auto deadline = Clock::now() + milliseconds(30000);
  uint64_t last = counter.load();
  auto still_since = Clock::now();
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
    uint64_t now = counter.load();
    if (now != last) {
      last = now;
      still_since = Clock::now();
    } else if (Clock::now() - still_since >= milliseconds(1000)) {
      break;
    }
  }
  return last;
}

class LoadSlowConsumer : public SockdTest, public ::testing::WithParamInterface<bool> {};

TEST_P(LoadSlowConsumer, StalledReaderKeepsSockdMemoryBounded) {
  const bool splice = GetParam();
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_args(splice ? std::vector<std::string>{"-t", "2"}
                                   : std::vector<std::string>{"-t", "2", "--no-splice"})));
  std::atomic<uint64_t> pushed{0};
  LoopbackServer pusher([&](int fd) {
    set_io_timeout(fd, milliseconds(60000));  // waits out the stall
    std::vector<uint8_t> chunk(64 << 10);
    ByteStream stream(77);
    for (size_t sent = 0; sent < kOffered; sent += chunk.size()) {
      stream.fill(chunk);
      if (!send_all(fd, chunk)) return;
      pushed += chunk.size();
    }
    shutdown(fd, SHUT_WR);
    char byte;
    recv(fd, &byte, 1, 0);  // until the client closes
  });
  std::vector<UniqueFd> clients;
  for (int i = 0; i < kStalled; ++i) {
    clients.push_back(open_relay(port(), connect_request("127.0.0.1", pusher.port())));
    ASSERT_TRUE(clients.back());
    set_io_timeout(clients.back().get(), milliseconds(60000));
  }
  const long rss_before = resident_kib(sockd().pid());
  const uint64_t accepted = settled(pushed);
  const long rss_stalled = resident_kib(sockd().pid());
  std::cout << "[ measure  ] " << (splice ? "splice" : "no-splice") << ": senders offered "
            << kStalled << " x " << (kOffered >> 20) << " MiB, " << (accepted >> 10)
            << " KiB accepted while the readers stalled; sockd RSS " << rss_before << " -> "
            << rss_stalled << " KiB\n";
  EXPECT_LT(accepted, kStalled * kInFlightBound) << "sockd kept reading from the senders";
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(rss_stalled - rss_before, kRssGrowthBoundKib);

  // The readers resume: every byte arrives, in order.
  Checksum expected = checksum_of_stream(77, kOffered);
  for (UniqueFd& client : clients) {
    Checksum got;
    std::vector<uint8_t> buffer(1 << 16);
    while (got.bytes() < kOffered) {
      ssize_t n = recv(client.get(), buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      got.add(std::span(buffer).first(static_cast<size_t>(n)));
    }
    EXPECT_EQ(got.bytes(), expected.bytes());
    EXPECT_EQ(got.value(), expected.value());
  }
  std::cout << "[ measure  ] sockd RSS after the drain " << resident_kib(sockd().pid()) << " KiB\n";
}

INSTANTIATE_TEST_SUITE_P(Relay, LoadSlowConsumer, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Splice" : "NoSplice");
                         });

}  // namespace
}  // namespace socks4::test
