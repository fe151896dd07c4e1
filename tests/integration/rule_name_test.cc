// A name rule cannot be dodged through the resolver's search list (docs/SECURITY.md, threat
// 2): a 4a name is a complete name, resolved as given, so `denied` never becomes denied.test.
#include <gtest/gtest.h>

#include <algorithm>

#include "../support/dns_stub.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

class SearchListTest : public SockdTest {
 protected:
  void SetUp() override {
    ASSERT_NE(stub_.port(), 0);
    SockdOptions options;
    // The resolver's search list would turn `denied` into denied.test, past the deny.
    options.full_config = "hosts_file " + files_.write("hosts", "") + "\nresolv_conf " +
                          files_.write("resolv.conf", stub_.resolv_conf() + "search test\n") +
                          "\ndeny connect 0.0.0.0/0 denied.test\npermit 127.0.0.0/8\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  }

  ReplyCode reply_for(const std::string& name) {
    std::optional<Reply> reply;
    open_relay(port(), connect_request_4a(name, destination_.port()), &reply);
    return reply ? reply->code : ReplyCode{0};
  }

  bool asked_for(const std::string& name) const {
    const auto log = stub_.query_log();
    return std::any_of(log.begin(), log.end(), [&](const auto& q) { return q.name == name; });
  }

  LoopbackServer destination_{echo_handler};
  DnsStub stub_{DnsStub::Table{{"denied.test", {"127.0.0.1"}}, {"allowed.test", {"127.0.0.1"}}}};
  TempDir files_;
};

TEST_F(SearchListTest, AShortNameIsNotCompletedPastANameDeny) {
  EXPECT_EQ(reply_for("denied"), ReplyCode::kRejected) << sockd().log();
  EXPECT_EQ(destination_.accepted(), 0);
  EXPECT_FALSE(asked_for("denied.test")) << "the search list was applied";
  EXPECT_TRUE(asked_for("denied"));
  EXPECT_FALSE(sockd().log_lines_with({"denied:", "rejected", "cannot resolve"}).empty())
      << sockd().log();
}

TEST_F(SearchListTest, FullNamesStillResolveThroughTheSameServer) {
  EXPECT_EQ(reply_for("denied.test"), ReplyCode::kRejected) << sockd().log();
  UniqueFd relay = open_relay(port(), connect_request_4a("allowed.test", destination_.port()));
  ASSERT_TRUE(relay) << sockd().log();
  EXPECT_TRUE(echoes(relay.get(), "through")) << sockd().log();
  EXPECT_EQ(destination_.accepted(), 1);
}

}  // namespace
}  // namespace socks4::test
