// Destinations that fail: one that refuses, one that resets in the middle of a transfer (and a
// client that does), one that never answers a connect. The client gets 91 or the reset passed
// on, sockd logs why, the bystander's transfer is unaffected and no descriptor is left behind.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <future>
#include <vector>

#include "../support/bind_client.h"
#include "../support/byte_stream.h"
#include "../support/full_backlog.h"
#include "../support/loopback_server.h"
#include "hostile_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kClients = 16;
constexpr size_t kBeforeReset = 256 << 10;

void reset_on_close(int fd) {
  linger abort{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
}

class FaultDestination : public HostileTest {};

TEST_F(FaultDestination, RefusingDestinationGives91ToEveryClient) {
  ASSERT_NO_FATAL_FAILURE(start());
  UniqueFd closed_port = bind_loopback(false);
  ASSERT_TRUE(closed_port);
  const int baseline = open_descriptors(sockd().pid());
  std::vector<std::future<Outcome>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      return offend(port(), connect_request("127.0.0.1", local_port(closed_port.get())),
                    Pace::kAtOnce, false);
    }));
  }
  for (auto& client : clients) EXPECT_TRUE(rejected_with_91(client.get()));
  EXPECT_EQ(sockd().log_lines_with({"-> rejected (connect failed: Connection refused)"}).size(),
            static_cast<size_t>(kClients));
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(5000)), baseline);
  expect_bystander_intact();
}

TEST_F(FaultDestination, DestinationResetMidStreamIsPassedOnAsAReset) {
  ASSERT_NO_FATAL_FAILURE(start());
  const int baseline = open_descriptors(sockd().pid());
  std::vector<uint8_t> data(kBeforeReset);
  ByteStream(5).fill(data);
  // Sends a stretch of data, waits for the client's word that all of it arrived (one byte back
  // through the relay, bounded by the server's I/O timeout), then aborts the connection (RST
  // instead of FIN).
  LoopbackServer resetting([&data](int fd) {
    send_all(fd, data);
    recv_exact(fd, 1);
    reset_on_close(fd);
  });
  for (int i = 0; i < kClients / 4; ++i) {
    UniqueFd client = open_relay(port(), connect_request("127.0.0.1", resetting.port()));
    ASSERT_TRUE(client);
    auto before = recv_exact(client.get(), kBeforeReset);
    ASSERT_TRUE(before) << i;
    EXPECT_TRUE(*before == data) << i;
    ASSERT_TRUE(send_all(client.get(), "r")) << i;
    ReadResult read = read_until_closed(client.get(), milliseconds(10000));
    EXPECT_EQ(read.end, ReadEnd::kReset) << "the reset was not passed on";
    EXPECT_TRUE(read.data.empty()) << read.data.size() << " bytes after the data sent";
  }
  EXPECT_TRUE(sockd().wait_for_log("(Connection reset by peer)", milliseconds(3000)));
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(5000)), baseline);
  expect_bystander_intact();
}

TEST_F(FaultDestination, ClientResetMidStreamIsPassedOnToTheDestination) {
  ASSERT_NO_FATAL_FAILURE(start());
  const int baseline = open_descriptors(sockd().pid());
  std::promise<ReadEnd> destination_saw;
  LoopbackServer sink(
      [&](int fd) { destination_saw.set_value(read_until_closed(fd, milliseconds(10000)).end); });
  UniqueFd client = open_relay(port(), connect_request("127.0.0.1", sink.port()));
  ASSERT_TRUE(client);
  std::vector<uint8_t> data(kBeforeReset);
  ByteStream(6).fill(data);
  ASSERT_TRUE(send_all(client.get(), data));
  reset_on_close(client.get());
  client.reset();
  auto seen = destination_saw.get_future();
  ASSERT_EQ(seen.wait_for(milliseconds(10000)), std::future_status::ready);
  EXPECT_EQ(seen.get(), ReadEnd::kReset);
  EXPECT_TRUE(sockd().wait_for_log("(Connection reset by peer)", milliseconds(3000)));
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(5000)), baseline);
  expect_bystander_intact();
}

TEST_F(FaultDestination, SilentDestinationGives91AtTheConnectTimeout) {
  ASSERT_NO_FATAL_FAILURE(start("timeout connect 2\npermit 127.0.0.0/8\n"));
  FullBacklogListener silent;
  ASSERT_TRUE(silent.ok()) << "could not make a port that drops SYNs";
  const int baseline = open_descriptors(sockd().pid());
  const auto begun = Clock::now();
  std::vector<std::future<Outcome>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::async(std::launch::async, [&] {
      return offend(port(), connect_request("127.0.0.1", silent.port()), Pace::kAtOnce, false,
                    milliseconds(15000));
    }));
  }
  for (auto& client : clients) EXPECT_TRUE(rejected_with_91(client.get()));
  const auto took = Clock::now() - begun;
  EXPECT_GE(took, milliseconds(1900)) << "91 before the destination could have answered";
  EXPECT_LT(took, milliseconds(10000)) << "the connect timeout did not bound the wait";
  // The line sockd(8) documents, whichever of the two timers on that deadline fires first.
  EXPECT_EQ(sockd().log_lines_with({"-> rejected (connect timed out after 2s)"}).size(),
            static_cast<size_t>(kClients))
      << sockd().log();
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(5000)), baseline);
  expect_bystander_intact();
}

}  // namespace
}  // namespace socks4::test
