// The syslog facility names sockd.conf(5) documents for `log syslog FACILITY`, each mapped to
// its syslog(3) value: a name the config check accepts must not be logged as unknown at run
// time.
#include <gtest/gtest.h>
#include <syslog.h>

#include <string_view>
#include <utility>

#include "../../server/log.h"

namespace {

TEST(LogFacility, EveryDocumentedFacilityMaps) {
  constexpr std::pair<std::string_view, int> kDocumented[] = {
      {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
      {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
      {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},     {"lpr", LOG_LPR},
      {"mail", LOG_MAIL},     {"news", LOG_NEWS},         {"syslog", LOG_SYSLOG},
      {"user", LOG_USER},     {"uucp", LOG_UUCP},
  };
  for (const auto& [name, value] : kDocumented) {
    std::optional<int> mapped = sockd::log::syslog_facility(name);
    ASSERT_TRUE(mapped.has_value()) << name;
    EXPECT_EQ(*mapped, value) << name;
  }
}

TEST(LogFacility, UnknownNamesDoNotMap) {
  EXPECT_FALSE(sockd::log::syslog_facility("").has_value());
  EXPECT_FALSE(sockd::log::syslog_facility("local8").has_value());
  EXPECT_FALSE(sockd::log::syslog_facility("mail ").has_value());
}

}  // namespace
