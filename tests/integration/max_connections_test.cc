// max_connections: sockd serves at most that many clients at once, counted across its threads.
// A client over the limit is answered 91 at once, with a log line; the clients already served
// are untouched, and once one leaves, a new client is served.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr int kLimit = 3;

class MaxConnections : public SockdTest {};

TEST_F(MaxConnections, ClientOverTheLimitGets91UntilOneLeaves) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(
      with_config("max_connections " + std::to_string(kLimit) + "\npermit 127.0.0.0 255.0.0.0\n")));
  LoopbackServer echo(echo_handler);
  std::vector<UniqueFd> served;
  for (int i = 0; i < kLimit; ++i) {
    served.push_back(open_relay(port(), connect_request("127.0.0.1", echo.port())));
    ASSERT_TRUE(served.back()) << i;
  }

  // Several, so that both threads meet the limit (the kernel spreads clients over them).
  constexpr int kOver = 6;
  for (int i = 0; i < kOver; ++i) {
    std::optional<Reply> reply;
    EXPECT_FALSE(open_relay(port(), connect_request("127.0.0.1", echo.port()), &reply)) << i;
    ASSERT_TRUE(reply) << "client " << i << " over the limit was closed without a reply";
    EXPECT_EQ(reply->code, ReplyCode::kRejected) << i;
  }
  const std::string refused =
      "refused: " + std::to_string(kLimit) + " clients already (max_connections) -> rejected";
  EXPECT_EQ(sockd().log_lines_with({refused}).size(), static_cast<size_t>(kOver)) << sockd().log();
  for (UniqueFd& fd : served) EXPECT_TRUE(echoes(fd.get(), "still served"));

  // One leaves: its place is free once its close line is written.
  served.pop_back();
  ASSERT_TRUE(sockd().wait_for_log(" close 127.0.0.1:", milliseconds(5000))) << sockd().log();
  UniqueFd fresh = open_relay(port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(fresh) << sockd().log();
  EXPECT_TRUE(echoes(fresh.get(), "in the freed place"));
  for (UniqueFd& fd : served) EXPECT_TRUE(echoes(fd.get(), "after"));
}

}  // namespace
}  // namespace socks4::test
