// The rest of /metrics: lookups and their histogram, the connect-time histogram, identd and
// shell command results, malformed requests, and the negotiation and BIND gauges, each moved
// by traffic whose outcome the test knows.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/bind_client.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"
#include "stats_http.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

class StatsDetail : public SockdTest {
 protected:
  uint16_t start_with_stats(const std::string& config) {
    start_sockd(with_config("stats 127.0.0.1:0\n" + config));
    if (HasFatalFailure()) return 0;
    std::optional<uint16_t> found = stats_port(sockd());
    EXPECT_TRUE(found) << sockd().log();
    return found.value_or(0);
  }
};

TEST_F(StatsDetail, LookupsAndConnectTimesAreCountedAndTimed) {
  const uint16_t stats = start_with_stats("permit 127.0.0.0/8\n");
  ASSERT_NE(stats, 0);
  LoopbackServer echo(echo_handler);
  // A name from sockd's hosts file, and one nobody knows (its resolver is 127.0.0.1, silent).
  UniqueFd named = open_relay(port(), connect_request_4a("only-sockd.test", echo.port()));
  ASSERT_TRUE(named);
  std::optional<Reply> reply;
  EXPECT_FALSE(open_relay(port(), connect_request_4a("unknown.invalid", echo.port()), &reply));
  ASSERT_TRUE(reply);
  const std::string text = http_get(stats, "/metrics").body;
  EXPECT_EQ(metric_value(text, R"(sockd_dns_lookups_total{result="ok"})"), 1) << text;
  double lookups = 0;
  for (const char* result : {"ok", "nxdomain", "error", "timeout"})
    lookups += metric_value(text, std::string("sockd_dns_lookups_total{result=\"") + result + "\"}")
                   .value_or(-100);
  EXPECT_EQ(lookups, 2);
  EXPECT_EQ(metric_value(text, "sockd_dns_lookup_seconds_count"), 2);
  EXPECT_EQ(metric_value(text, R"(sockd_dns_lookup_seconds_bucket{le="+Inf"})"), 2);
  EXPECT_EQ(metric_value(text, R"(sockd_rejections_total{reason="resolve"})"), 1);
  EXPECT_EQ(metric_value(text, R"(sockd_requests_total{command="connect",result="failed"})"), 1);
  // Both CONNECTs got a reply after their request: both are timed.
  EXPECT_EQ(metric_value(text, "sockd_connect_seconds_count"), 2);
  EXPECT_GT(metric_value(text, "sockd_connect_seconds_sum").value_or(-1), 0);
  EXPECT_LE(metric_value(text, R"(sockd_connect_seconds_bucket{le="0.001"})").value_or(99), 2);
}

TEST_F(StatsDetail, IdentdShellAndMalformedRequests) {
  // identd loose: the client's identd (127.0.0.1:113) refuses, the request is still granted.
  const uint16_t stats = start_with_stats("identd loose\npermit 127.0.0.0/8 : true\n");
  ASSERT_NE(stats, 0);
  LoopbackServer echo(echo_handler);
  UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(relay) << sockd().log();
  UniqueFd bad = send_request(port(), std::vector<uint8_t>{5, 1, 0});
  ASSERT_TRUE(bad);
  const std::string malformed =
      wait_for_metric(stats, R"(sockd_rejections_total{reason="malformed"})", 1);
  EXPECT_EQ(metric_value(malformed, R"(sockd_rejections_total{reason="malformed"})"), 1)
      << malformed;
  EXPECT_EQ(metric_value(malformed, R"(sockd_identd_queries_total{result="no_answer"})"), 1);
  EXPECT_EQ(metric_value(malformed, R"(sockd_identd_queries_total{result="user"})"), 0);
  // The main thread reaps the command within a second or so.
  const std::string shell = wait_for_metric(stats, R"(sockd_shell_commands_total{result="ok"})", 1);
  EXPECT_EQ(metric_value(shell, R"(sockd_shell_commands_total{result="ok"})"), 1) << shell;
  EXPECT_EQ(metric_value(shell, R"(sockd_shell_commands_total{result="failed"})"), 0);
}

TEST_F(StatsDetail, NegotiationAndBindGaugesFollowTheClients) {
  const uint16_t stats =
      start_with_stats("bind_requires_connect no\ntimeout connect 1\npermit 127.0.0.0/8\n");
  ASSERT_NE(stats, 0);
  // Half a request: one negotiation held.
  UniqueFd slow = send_request(port(), std::vector<uint8_t>{4, 1});
  ASSERT_TRUE(slow);
  std::string text = wait_for_metric(stats, "sockd_negotiations_active", 1);
  EXPECT_EQ(metric_value(text, "sockd_negotiations_active"), 1) << text;
  slow.reset();
  text = wait_for_metric(stats, "sockd_negotiations_active", 0);
  EXPECT_EQ(metric_value(text, "sockd_negotiations_active"), 0) << text;

  // A BIND waits for its inbound connection, then times out (timeout connect 1).
  UniqueFd bind = send_request(port(), bind_request("127.0.0.1", 21));
  ASSERT_TRUE(bind);
  std::optional<Reply> first = read_reply(bind.get());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->code, ReplyCode::kGranted);
  text = http_get(stats, "/metrics").body;
  EXPECT_EQ(metric_value(text, "sockd_bind_waiting"), 1) << text;
  EXPECT_EQ(metric_value(text, "sockd_negotiations_active"), 1);
  EXPECT_EQ(metric_value(text, R"(sockd_requests_total{command="bind",result="granted"})"), 1);
  text = wait_for_metric(stats, "sockd_bind_waiting", 0);
  EXPECT_EQ(metric_value(text, "sockd_bind_waiting"), 0) << text;
  EXPECT_EQ(metric_value(text, R"(sockd_rejections_total{reason="timeout"})"), 1);
  // Counted once, as granted: its second reply's failure is a rejection, not another request.
  EXPECT_EQ(metric_value(text, R"(sockd_requests_total{command="bind",result="granted"})"), 1);
  EXPECT_EQ(metric_value(text, R"(sockd_requests_total{command="bind",result="failed"})"), 0);
}

}  // namespace
}  // namespace socks4::test
