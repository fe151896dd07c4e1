// The relay under each of its modes: splice(2) through pooled pipes or copies through pooled
// buffers, with one event-loop thread, sockd's default two, or several. Each case is the same
// traffic: bulk both ways with either side half-closing first, bytes pipelined with the
// request (with an IPv4 address, with a name to resolve, and followed at once by EOF), and many
// short connect / one-byte echo / server-closes-first cycles (the connection-rate pattern,
// where a socket's single edge-triggered event carries it from accept to close).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <thread>

#include "../support/loopback_server.h"
#include "../support/relay_transfer.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr size_t kBulk = 32u << 20;
constexpr size_t kTail = 1u << 20;

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

  enum class ThenClient { kWaits, kHalfCloses };

  // Sends `request` and `early` in one segment, as a client that does not wait for the reply,
  // then expects 90 and `early` echoed back by the destination (with kHalfCloses, the client
  // shuts its write side down at once and the echo's EOF follows).
  void check_pipelined_echo(std::vector<uint8_t> request, const std::string& early,
                            ThenClient then) {
    request.insert(request.end(), early.begin(), early.end());
    UniqueFd fd = send_request(port(), request);
    ASSERT_TRUE(fd);
    if (then == ThenClient::kHalfCloses) {
      ASSERT_EQ(shutdown(fd.get(), SHUT_WR), 0);
    }
    auto reply = read_reply(fd.get());
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->code, ReplyCode::kGranted);
    if (then == ThenClient::kHalfCloses) {
      ReadResult rest = read_until_closed(fd.get(), milliseconds(5000));
      EXPECT_EQ(rest.data, early);
      EXPECT_EQ(rest.end, ReadEnd::kEof);
      return;
    }
    auto echoed = recv_exact(fd.get(), early.size());
    ASSERT_TRUE(echoed);
    EXPECT_EQ(std::string(echoed->begin(), echoed->end()), early);
  }
};

TEST_P(RelayModes, BulkBothWaysClientHalfClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start());
  check_relayed_transfer(port(), {41, kBulk, 0}, {42, kBulk, kTail});
  EXPECT_TRUE(sockd().wait_for_log("close 127.0.0.1:", milliseconds(5000)));
}

TEST_P(RelayModes, BulkBothWaysPeerHalfClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start());
  check_relayed_transfer(port(), {43, kBulk, kTail}, {44, kBulk, 0});
}

TEST_P(RelayModes, PipelinedBytesReachTheDestination) {
  ASSERT_NO_FATAL_FAILURE(start());
  LoopbackServer echo(echo_handler);
  check_pipelined_echo(connect_request("127.0.0.1", echo.port()), "sent before the reply\n",
                       ThenClient::kWaits);
}

TEST_P(RelayModes, PipelinedBytesWaitFor4aResolution) {
  ASSERT_NO_FATAL_FAILURE(start());
  LoopbackServer echo(echo_handler);
  check_pipelined_echo(connect_request_4a("only-sockd.test", echo.port()),
                       "sent while the name was being resolved\n", ThenClient::kWaits);
}

// printf REQUEST DATA | nc: the client's EOF arrives before sockd has connected.
TEST_P(RelayModes, PipelinedBytesAndEofRightAfterTheRequest) {
  ASSERT_NO_FATAL_FAILURE(start());
  LoopbackServer echo(echo_handler);
  check_pipelined_echo(connect_request("127.0.0.1", echo.port()), "sent with the request\n",
                       ThenClient::kHalfCloses);
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

// Threads 2 is what every other test runs sockd with.
INSTANTIATE_TEST_SUITE_P(Relay, RelayModes,
                         ::testing::Values(Mode{true, 1}, Mode{true, 2}, Mode{true, 4},
                                           Mode{false, 1}, Mode{false, 2}, Mode{false, 4}),
                         mode_name);

}  // namespace
}  // namespace socks4::test
