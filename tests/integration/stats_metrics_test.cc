// The stats listener's /metrics: counters and gauges move exactly with known traffic, the text
// parses with the Prometheus client library and passes promtool, stats_allow refuses others
// with 403, and a non-loopback listener without stats_allow is a configuration error.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"
#include "stats_http.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

class StatsMetrics : public SockdTest {
 protected:
  uint16_t start_with_stats(const std::string& config) {
    start_sockd(with_config(config));
    if (HasFatalFailure()) return 0;
    std::optional<uint16_t> found = stats_port(sockd());
    EXPECT_TRUE(found) << sockd().log();
    return found.value_or(0);
  }
  // The 1-based line of `text` in the config sockd was given.
  int config_line(const std::string& text) {
    std::istringstream lines(read_text_file(sockd().config_path()));
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n)
      if (line == text) return n;
    return -1;
  }
};

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  return static_cast<bool>(file);
}

constexpr const char* kRules =
    "stats 127.0.0.1:0\n"
    "deny 127.0.0.0/8 127.0.0.3/32\n"
    "permit 127.0.0.0/8\n";

TEST_F(StatsMetrics, CountersMoveExactlyWithKnownTraffic) {
  const uint16_t stats = start_with_stats(kRules);
  ASSERT_NE(stats, 0);
  LoopbackServer echo(echo_handler);
  std::vector<UniqueFd> relays;
  for (int i = 0; i < 5; ++i) {
    relays.push_back(open_relay(port(), connect_request("127.0.0.1", echo.port())));
    ASSERT_TRUE(relays.back()) << i;
    ASSERT_TRUE(echoes(relays.back().get(), "hello"));  // 5 bytes each way
  }
  for (int i = 0; i < 3; ++i) {
    std::optional<Reply> reply;
    EXPECT_FALSE(open_relay(port(), connect_request("127.0.0.3", echo.port()), &reply));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->code, ReplyCode::kRejected);
  }
  const std::string held = http_get(stats, "/metrics").body;
  EXPECT_EQ(metric_value(held, R"(sockd_requests_total{command="connect",result="granted"})"), 5)
      << held;
  EXPECT_EQ(metric_value(held, R"(sockd_requests_total{command="connect",result="rejected"})"), 3);
  EXPECT_EQ(metric_value(held, R"(sockd_requests_total{command="bind",result="granted"})"), 0);
  EXPECT_EQ(metric_value(held, R"(sockd_rejections_total{reason="rule"})"), 3);
  EXPECT_EQ(metric_value(held, R"(sockd_rejections_total{reason="connect"})"), 0);
  EXPECT_EQ(metric_value(held, "sockd_relays_active"), 5);
  EXPECT_EQ(metric_value(held, "sockd_relays_total"), 5);
  EXPECT_EQ(metric_value(held, R"(sockd_relayed_bytes_total{direction="upstream"})"), 25);
  EXPECT_EQ(metric_value(held, R"(sockd_relayed_bytes_total{direction="downstream"})"), 25);
  const std::string deny_line = std::to_string(config_line("deny 127.0.0.0/8 127.0.0.3/32"));
  const std::string permit_line = std::to_string(config_line("permit 127.0.0.0/8"));
  EXPECT_EQ(metric_value(held, "sockd_rule_hits_total{line=\"" + deny_line + "\"}"), 3);
  EXPECT_EQ(metric_value(held, "sockd_rule_hits_total{line=\"" + permit_line + "\"}"), 5);

  relays.clear();
  const std::string closed = wait_for_metric(stats, "sockd_relays_active", 0);
  EXPECT_EQ(metric_value(closed, "sockd_relays_active"), 0) << closed;
  EXPECT_EQ(metric_value(closed, "sockd_relays_total"), 5);
  EXPECT_EQ(metric_value(closed, R"(sockd_relayed_bytes_total{direction="upstream"})"), 25);
  EXPECT_EQ(metric_value(closed, R"(sockd_relayed_bytes_total{direction="downstream"})"), 25);

  EXPECT_EQ(metric_value(closed, R"(sockd_config_reloads_total{result="ok"})"), 0);
  ASSERT_TRUE(sockd().process().signal(SIGHUP));
  ASSERT_TRUE(sockd().wait_for_log("SIGHUP: reloaded", milliseconds(5000))) << sockd().log();
  const std::string reloaded = http_get(stats, "/metrics").body;
  EXPECT_EQ(metric_value(reloaded, R"(sockd_config_reloads_total{result="ok"})"), 1) << reloaded;
  EXPECT_EQ(metric_value(reloaded, R"(sockd_config_reloads_total{result="error"})"), 0);
}

TEST_F(StatsMetrics, ParsesWithPrometheusClientAndPromtool) {
  const uint16_t stats = start_with_stats(kRules);
  ASSERT_NE(stats, 0);
  LoopbackServer echo(echo_handler);
  UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(relay);
  ASSERT_TRUE(echoes(relay.get(), "some bytes"));
  const HttpResponse response = http_get(stats, "/metrics");
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.headers.find("text/plain; version=0.0.4"), std::string::npos)
      << response.headers;
  TempDir dir;
  const std::string path = dir.write("metrics.txt", response.body);
  // Every family the issue names, as the client library sees it.
  const std::string script =
      "import sys\n"
      "from prometheus_client.parser import text_string_to_metric_families\n"
      "names = {f.name for f in text_string_to_metric_families(open(sys.argv[1]).read())}\n"
      "print(' '.join(sorted(names)))\n";
  CommandResult parsed = run_command({"/usr/bin/python3", "-c", script, path}, milliseconds(20000));
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  for (const char* family :
       {"sockd_requests", "sockd_rejections", "sockd_relays_active", "sockd_relays",
        "sockd_relayed_bytes", "sockd_rule_hits", "sockd_config_reloads"})
    EXPECT_NE((" " + parsed.out).find(std::string(" ") + family + " "), std::string::npos)
        << family << " in: " << parsed.out;
  CommandResult checked =
      run_command({"/bin/sh", "-c", "promtool check metrics < " + path}, milliseconds(20000));
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
}

TEST_F(StatsMetrics, StatsAllowRefusesOtherSourcesWith403) {
  const uint16_t stats = start_with_stats("stats 127.0.0.1:0\nstats_allow 127.0.0.1/32\n" +
                                          std::string("permit 127.0.0.0/8\n"));
  ASSERT_NE(stats, 0);
  EXPECT_EQ(http_get(stats, "/metrics", "127.0.0.1").status, 200);
  const HttpResponse refused = http_get(stats, "/metrics", "127.0.0.2");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body.find("sockd_"), std::string::npos) << refused.body;
  EXPECT_EQ(http_get(stats, "/", "127.0.0.2").status, 403);
  EXPECT_TRUE(sockd().wait_for_log("stats: 127.0.0.2", milliseconds(5000))) << sockd().log();
}

TEST_F(StatsMetrics, StatsAllowFollowsReloadsAndFailedReloadsAreCounted) {
  const uint16_t stats =
      start_with_stats("stats 127.0.0.1:0\nstats_allow 127.0.0.1/32\npermit 127.0.0.0/8\n");
  ASSERT_NE(stats, 0);
  EXPECT_EQ(http_get(stats, "/metrics", "127.0.0.2").status, 403);
  // The file gains 127.0.0.2: allowed from the reload on.
  const std::string config = read_text_file(sockd().config_path());
  ASSERT_TRUE(write_text(sockd().config_path(), config + "stats_allow 127.0.0.2/32\n"));
  ASSERT_TRUE(sockd().process().signal(SIGHUP));
  ASSERT_TRUE(sockd().wait_for_log("SIGHUP: reloaded", milliseconds(5000))) << sockd().log();
  const HttpResponse allowed = http_get(stats, "/metrics", "127.0.0.2");
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(metric_value(allowed.body, R"(sockd_config_reloads_total{result="ok"})"), 1);
  // A broken file is counted as a failed reload and changes nothing.
  ASSERT_TRUE(write_text(sockd().config_path(), config + "stats_allow nonsense\n"));
  ASSERT_TRUE(sockd().process().signal(SIGHUP));
  ASSERT_TRUE(sockd().wait_for_log("keeping the old configuration", milliseconds(5000)));
  const HttpResponse after = http_get(stats, "/metrics", "127.0.0.2");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(metric_value(after.body, R"(sockd_config_reloads_total{result="error"})"), 1)
      << after.body;
  EXPECT_EQ(metric_value(after.body, R"(sockd_config_reloads_total{result="ok"})"), 1);
}

TEST(StatsConfig, NonLoopbackListenerWithoutStatsAllowIsAConfigError) {
  TempDir dir;
  const std::string bare = dir.write("bare.conf", "stats 0.0.0.0:9100\npermit 127.0.0.0/8\n");
  CommandResult refused = run_command({sockd_binary(), "-n", "-f", bare}, milliseconds(10000));
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("stats_allow"), std::string::npos) << refused.err;

  CommandResult option =
      run_command({sockd_binary(), "-n", "--stats", "192.0.2.1:9100"}, milliseconds(10000));
  EXPECT_EQ(option.exit_code, 1) << option.out << option.err;
  EXPECT_NE(option.err.find("stats_allow"), std::string::npos) << option.err;

  const std::string allowed =
      dir.write("allowed.conf",
                "stats 0.0.0.0:9100\nstats_allow 10.0.0.0/8 127.0.0.1/32\npermit 127.0.0.0/8\n");
  CommandResult ok = run_command({sockd_binary(), "-n", "-f", allowed}, milliseconds(10000));
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;

  const std::string loopback = dir.write("loopback.conf", "stats 127.0.0.1:9100\n");
  CommandResult local = run_command({sockd_binary(), "-n", "-f", loopback}, milliseconds(10000));
  EXPECT_EQ(local.exit_code, 0) << local.out << local.err;
}

}  // namespace
}  // namespace socks4::test
