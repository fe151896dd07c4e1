// The stats listener's directives (`stats ADDR:PORT`, `stats_allow CIDR...`) and --stats.
#include <gtest/gtest.h>

#include "../../server/options.h"
#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

TEST(SockdConfStats, AddressesWithTheirPortsAndAllowLists) {
  ParseOutcome outcome = parse_text(
      "stats 127.0.0.1:9101\nstats [::1]:9102\nstats_allow 10.0.0.0/8 [2001:db8::]/32\n"
      "stats_allow 192.0.2.7/32\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  const ServerSettings& settings = outcome.config->settings;
  ASSERT_EQ(settings.stats.size(), 2u);
  EXPECT_EQ(settings.stats[0], (ListenAddress{"127.0.0.1", 9101}));
  EXPECT_EQ(settings.stats[1], (ListenAddress{"::1", 9102}));
  ASSERT_EQ(settings.stats_allow.size(), 3u);
  EXPECT_TRUE(settings.stats_allow[0].matches(*parse_ip_address("10.1.2.3")));
  EXPECT_FALSE(settings.stats_allow[0].matches(*parse_ip_address("11.1.2.3")));
  EXPECT_TRUE(settings.stats_allow[1].matches(*parse_ip_address("2001:db8::5")));
  EXPECT_TRUE(settings.stats_allow[2].matches(*parse_ip_address("192.0.2.7")));
}

TEST(SockdConfStats, StatsWithoutAPortOrWithAHostNameIsRefused) {
  for (const char* line : {"stats 127.0.0.1", "stats [::1]", "stats localhost:9101", "stats",
                           "stats 127.0.0.1:99999"}) {
    EXPECT_FALSE(parse_text(std::string(line) + "\n").config) << line;
  }
  for (const char* line : {"stats_allow", "stats_allow 10.0.0.0", "stats_allow 10.0.0.0/33",
                           "stats_allow example.com", "stats_allow 10.0.0.0/8 nonsense"}) {
    EXPECT_FALSE(parse_text(std::string(line) + "\n").config) << line;
  }
}

TEST(SockdOptionsStats, StatsOptionNeedsAnAddressAndPort) {
  const char* good[] = {"--stats", "127.0.0.1:9101", "--stats=[::1]:9102"};
  sockd::OptionsParse parsed = sockd::parse_options(good);
  ASSERT_TRUE(parsed.options) << parsed.error;
  ASSERT_EQ(parsed.options->stats.size(), 2u);
  EXPECT_EQ(parsed.options->stats[1], (ListenAddress{"::1", 9102}));
  for (const char* value : {"127.0.0.1", "localhost:9101", "[::1]", ""}) {
    const char* args[] = {"--stats", value};
    EXPECT_FALSE(sockd::parse_options(args).options) << value;
  }
}

}  // namespace
}  // namespace socks4::conf::testing
