// The line that tells a user why a connection failed, and the bounded memory that says it once.
#include "socks4/client_notice.h"

#include <gtest/gtest.h>

#include <string>

namespace socks4::client {
namespace {

TEST(ClientNotice, ServerRefusalNamesServerDestinationAndReason) {
  Notice n{NoticeKind::kServerRefused, Command::kConnect, "198.51.100.2:25", "192.0.2.1:1080",
           reply_reason(ReplyCode::kRejected)};
  EXPECT_EQ(format_notice("socksify", n),
            "socksify: sockd 192.0.2.1:1080 refused CONNECT to 198.51.100.2:25 (request "
            "rejected)\n");
}

TEST(ClientNotice, IdentdReasonsAreSpelledOut) {
  EXPECT_STREQ(reply_reason(ReplyCode::kNoIdentd), "sockd cannot reach this host's identd");
  EXPECT_STREQ(reply_reason(ReplyCode::kIdentMismatch), "identd reports a different user");
  Notice n{NoticeKind::kServerRefused, Command::kBind, "ftp.example:20", "10.0.0.1:1080",
           reply_reason(ReplyCode::kIdentMismatch)};
  EXPECT_EQ(format_notice("libsocks", n),
            "libsocks: sockd 10.0.0.1:1080 refused BIND to ftp.example:20 (identd reports a "
            "different user)\n");
}

TEST(ClientNotice, RuleDenialNamesTheLine) {
  Notice n{NoticeKind::kRuleDenied, Command::kConnect, "198.51.100.2:25", "/etc/socks.conf line 3",
           "deny line"};
  EXPECT_EQ(format_notice("socksify", n),
            "socksify: /etc/socks.conf line 3 denied CONNECT to 198.51.100.2:25 (deny line)\n");
  n.server.clear();
  n.reason = "SOCKS_SERVER='x' is malformed";
  EXPECT_EQ(format_notice("socksify", n),
            "socksify: refused CONNECT to 198.51.100.2:25 (SOCKS_SERVER='x' is malformed)\n");
}

TEST(ClientNotice, UnreachableServerIsNamed) {
  Notice n{NoticeKind::kServerUnreachable, Command::kConnect, "www.example:80", "192.0.2.1:1080",
           "Connection refused"};
  EXPECT_EQ(format_notice("socksify", n),
            "socksify: cannot reach SOCKS server 192.0.2.1:1080 for CONNECT to www.example:80 "
            "(Connection refused)\n");
}

TEST(ClientNotice, DestinationText) {
  EXPECT_EQ(destination_text("", 0xC6336402, 25), "198.51.100.2:25");
  EXPECT_EQ(destination_text("www.example", 0, 80), "www.example:80");
  EXPECT_EQ(destination_text("www.example", 0xC6336402, 80), "www.example/198.51.100.2:80");
}

TEST(ClientNotice, ControlBytesOfANameCannotForgeLines) {
  Notice n{NoticeKind::kServerRefused, Command::kConnect, "evil\nsocksify: fake:1", "s:1",
           "request rejected"};
  std::string line = format_notice("socksify", n);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
}

TEST(ClientNotice, LongFieldsAreCutToOneBoundedLine) {
  Notice n{NoticeKind::kServerRefused, Command::kConnect, std::string(5000, 'a') + ":1", "s:1",
           "request rejected"};
  std::string line = format_notice("socksify", n);
  EXPECT_LE(line.size(), 1024u);
  EXPECT_EQ(line.back(), '\n');
}

TEST(ClientNotice, MemorySaysEachKeyOnce) {
  NoticeMemory memory;
  EXPECT_TRUE(memory.first_time("a"));
  EXPECT_FALSE(memory.first_time("a"));
  EXPECT_TRUE(memory.first_time("b"));
  EXPECT_FALSE(memory.first_time("a"));
}

TEST(ClientNotice, MemoryIsBoundedAndForgetsTheOldest) {
  NoticeMemory memory;
  EXPECT_TRUE(memory.first_time("key0"));
  for (size_t i = 1; i <= NoticeMemory::kSlots; ++i) {
    EXPECT_TRUE(memory.first_time("key" + std::to_string(i)));
  }
  // kSlots newer keys pushed "key0" out; the newest are still remembered.
  EXPECT_TRUE(memory.first_time("key0"));
  EXPECT_FALSE(memory.first_time("key" + std::to_string(NoticeMemory::kSlots)));
}

}  // namespace
}  // namespace socks4::client
