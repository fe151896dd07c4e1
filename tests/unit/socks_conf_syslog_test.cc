// The `syslog` line of socks.conf: SOCKS_SYSLOG=1 from the file, for every program that reads it.
#include <gtest/gtest.h>

#include <string>

#include "socks4/socks_conf.h"

namespace socks4::client {
namespace {

ConfParse parse(const std::string& text) {
  return parse_socks_conf(text, "socks.conf",
                          [](const std::string&) { return std::optional<std::string>(); });
}

TEST(SocksConfSyslog, TheLineAsksForSyslogAndIsNoRule) {
  ConfParse p = parse("# log every decision\nSysLog\nsockd 0.0.0.0 0.0.0.0\n");
  ASSERT_TRUE(p.config) << (p.errors.empty() ? "" : p.errors[0].to_string());
  EXPECT_TRUE(p.config->syslog);
  ASSERT_EQ(p.config->rules.size(), 1u);
  EXPECT_EQ(p.config->rules[0].line, 3);
}

TEST(SocksConfSyslog, OffWithoutIt) {
  ConfParse p = parse("sockd 0.0.0.0 0.0.0.0\n");
  ASSERT_TRUE(p.config);
  EXPECT_FALSE(p.config->syslog);
}

TEST(SocksConfSyslog, NothingMayFollowIt) {
  for (const char* text : {"syslog user\n", "syslog : logger hi\n"}) {
    ConfParse p = parse(text);
    EXPECT_FALSE(p.config) << text;
    ASSERT_EQ(p.errors.size(), 1u) << text;
    EXPECT_NE(p.errors[0].message.find("syslog takes nothing"), std::string::npos)
        << p.errors[0].to_string();
    EXPECT_EQ(p.errors[0].column, 8) << text;
  }
}

}  // namespace
}  // namespace socks4::client
