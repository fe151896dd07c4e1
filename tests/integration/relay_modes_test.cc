// The relay under each of its modes: splice(2) through pooled pipes or copies through pooled
// buffers, with one event-loop thread or several. Each case is the same traffic: bulk both
// ways with either side half-closing first, bytes pipelined with the request, and many short
// connect / one-byte echo / server-closes-first cycles (the connection-rate pattern, where a
// socket's single edge-triggered event carries it from accept to close).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <string>
#include <thread>

#include "../support/duplex_transfer.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr size_t kBulk = 8u << 20;
constexpr size_t kTail = 256u << 10;
constexpr milliseconds kBound{60000};

struct Mode {
  bool splice;
  int threads;
};

std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return std::string(info.param.splice ? "Splice" : "NoSplice") + "Threads" +
         std::to_string(info.param.threads);
}

class RelayModes : public SockdTest, public ::testing::WithParamInterface<Mode> {
 protected:
  void start() {
    std::vector<std::string> args = {"-t", std::to_string(GetParam().threads)};
    if (!GetParam().splice) args.push_back("--no-splice");
    ASSERT_NO_FATAL_FAILURE(start_sockd(with_args(args)));
  }

  void transfer(const DuplexPlan& client_plan, const DuplexPlan& peer_plan) {
    std::promise<DuplexResult> peer_result;
    LoopbackServer peer([&](int fd) { peer_result.set_value(run_duplex(fd, peer_plan)); });
    std::optional<Reply> reply;
    UniqueFd fd = open_relay(port(), connect_request("127.0.0.1", peer.port()), &reply);
    ASSERT_TRUE(fd) << "reply: " << (reply ? static_cast<int>(reply->code) : -1);
    DuplexResult client = run_duplex(fd.get(), client_plan);
    auto future = peer_result.get_future();
    ASSERT_EQ(future.wait_for(kBound), std::future_status::ready);
    DuplexResult server = future.get();
    EXPECT_TRUE(client.clean_eof && client.sent_all) << client.error;
    EXPECT_TRUE(server.clean_eof && server.sent_all) << server.error;
    Checksum to_client = expected_from(peer_plan), to_peer = expected_from(client_plan);
    EXPECT_EQ(client.received.bytes(), to_client.bytes());
    EXPECT_EQ(client.received.value(), to_client.value());
    EXPECT_EQ(server.received.bytes(), to_peer.bytes());
    EXPECT_EQ(server.received.value(), to_peer.value());
  }
};

TEST_P(RelayModes, BulkBothWaysClientHalfClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start());
  transfer({41, kBulk, 0}, {42, kBulk, kTail});
}

TEST_P(RelayModes, BulkBothWaysPeerHalfClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start());
  transfer({43, kBulk, kTail}, {44, kBulk, 0});
}

TEST_P(RelayModes, PipelinedBytesAndEofRightAfterTheRequest) {
  ASSERT_NO_FATAL_FAILURE(start());
  LoopbackServer echo(echo_handler);
  std::vector<uint8_t> bytes = connect_request("127.0.0.1", echo.port());
  const std::string early = "sent with the request\n";
  bytes.insert(bytes.end(), early.begin(), early.end());
  UniqueFd fd = send_request(port(), bytes);
  ASSERT_TRUE(fd);
  ASSERT_EQ(shutdown(fd.get(), SHUT_WR), 0);
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
  ReadResult rest = read_until_closed(fd.get(), milliseconds(5000));
  EXPECT_EQ(rest.data, early);
  EXPECT_EQ(rest.end, ReadEnd::kEof);
}

// The server answers one byte and closes at once; the client then closes. Every cycle must
// see its byte and then EOF, and sockd must log every relay's end.
TEST_P(RelayModes, ShortCyclesServerClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start());
  LoopbackServer ping([](int fd) {
    char byte;
    if (recv(fd, &byte, 1, 0) == 1) send_all(fd, std::string(1, byte));
  });
  constexpr int kCycles = 200;
  for (int i = 0; i < kCycles; ++i) {
    UniqueFd fd = open_relay(port(), connect_request("127.0.0.1", ping.port()));
    ASSERT_TRUE(fd) << "cycle " << i;
    const std::string byte(1, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(send_all(fd.get(), byte)) << "cycle " << i;
    ReadResult back = read_until_closed(fd.get(), milliseconds(5000));
    ASSERT_EQ(back.data, byte) << "cycle " << i;
    ASSERT_EQ(back.end, ReadEnd::kEof) << "cycle " << i;
  }
  // Every relay's close line (sent 1, received 1), within a bounded wait.
  const std::vector<std::string> close_line = {"close 127.0.0.1:", "sent 1 received 1 bytes"};
  for (int i = 0; i < 100 && sockd().log_lines_with(close_line).size() < kCycles; ++i)
    std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(sockd().log_lines_with(close_line).size(), static_cast<size_t>(kCycles));
}

INSTANTIATE_TEST_SUITE_P(Relay, RelayModes,
                         ::testing::Values(Mode{true, 1}, Mode{true, 4}, Mode{false, 1},
                                           Mode{false, 4}),
                         mode_name);

}  // namespace
}  // namespace socks4::test
