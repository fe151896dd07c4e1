// The datagrams SOCKS_SYSLOG sends to /dev/log.
#include "socks4/client_syslog.h"

#include <syslog.h>

#include <gtest/gtest.h>

#include <string>

namespace socks4::client {
namespace {

TEST(ClientSyslog, FacilityUserSeverityTagAndPid) {
  EXPECT_EQ(format_syslog_datagram(LOG_NOTICE, "socksify", 42, "curl: denied"),
            "<13>socksify[42]: curl: denied");
  EXPECT_EQ(format_syslog_datagram(LOG_INFO, "libsocks", 7, "x"), "<14>libsocks[7]: x");
}

TEST(ClientSyslog, ControlBytesCannotSplitALine) {
  EXPECT_EQ(format_syslog_datagram(LOG_INFO, "socksify", 1, "a\nb\rc\x7f"),
            "<14>socksify[1]: a?b?c?");
}

TEST(ClientSyslog, LongMessagesAreCut) {
  std::string datagram = format_syslog_datagram(LOG_INFO, "socksify", 1, std::string(5000, 'x'));
  EXPECT_EQ(datagram.size(), kMaxSyslogDatagram);
  EXPECT_TRUE(datagram.starts_with("<14>socksify[1]: xxx"));
}

}  // namespace
}  // namespace socks4::client
