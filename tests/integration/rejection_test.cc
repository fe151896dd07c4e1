// Requests sockd must refuse: 91 then close (or a plain close for non-SOCKS4 peers), each with
// a log line.
#include <gtest/gtest.h>

#include <regex>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCloseBound{5000};

std::vector<uint8_t> raw(std::initializer_list<int> values, const std::string& tail = "") {
  std::vector<uint8_t> out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

class RejectionTest : public SockdTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_sockd()); }

  // Sends `request`, expects a 91 reply and then the connection closed.
  void expect_rejected(const std::vector<uint8_t>& request) {
    UniqueFd fd = send_request(port(), request);
    ASSERT_TRUE(fd);
    auto reply = read_reply(fd.get());
    ASSERT_TRUE(reply) << "no valid reply";
    EXPECT_EQ(reply->code, ReplyCode::kRejected);
    std::string after;
    EXPECT_TRUE(wait_for_close(fd.get(), kCloseBound, &after));
    EXPECT_TRUE(after.empty()) << after.size() << " bytes after the reply";
  }
};

TEST_F(RejectionTest, RefusedDestination) {
  UniqueFd closed_port = bind_loopback(false);  // bound, not listening: refuses
  ASSERT_TRUE(closed_port);
  expect_rejected(connect_request("127.0.0.1", local_port(closed_port.get()), "bob"));
  EXPECT_TRUE(sockd().wait_for_log("connect failed", kCloseBound)) << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({"user=bob", "rejected"}).empty()) << sockd().log();
}

TEST_F(RejectionTest, UnresolvableName) {
  expect_rejected(connect_request_4a("nosuch.invalid", 80));
  EXPECT_TRUE(sockd().wait_for_log("cannot resolve nosuch.invalid", kCloseBound)) << sockd().log();
}

TEST_F(RejectionTest, BadVersionIsClosedWithoutReply) {
  UniqueFd fd = send_request(port(), raw({}, "GET / HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(fd);
  std::string received;
  EXPECT_TRUE(wait_for_close(fd.get(), kCloseBound, &received));
  EXPECT_TRUE(received.empty()) << received.size() << " bytes";
  EXPECT_TRUE(sockd().wait_for_log("bad request", kCloseBound)) << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({"version", "closed"}).empty()) << sockd().log();
}

TEST_F(RejectionTest, BadCommand) {
  expect_rejected(raw({4, 3, 0, 80, 127, 0, 0, 1, 0}));
}

TEST_F(RejectionTest, ZeroDestination) {
  expect_rejected(raw({4, 1, 0, 80, 0, 0, 0, 0, 0}));
}

TEST_F(RejectionTest, UserIdTooLong) {
  expect_rejected(raw({4, 1, 0, 80, 127, 0, 0, 1}, std::string(256, 'u') + '\0'));
  EXPECT_TRUE(sockd().wait_for_log("USERID longer than 255", kCloseBound)) << sockd().log();
}

TEST_F(RejectionTest, HostnameTooLong) {
  expect_rejected(raw({4, 1, 0, 80, 0, 0, 0, 1, 0}, std::string(256, 'h') + '\0'));
}

TEST_F(RejectionTest, HostnameNotPrintable) {
  expect_rejected(raw({4, 1, 0, 80, 0, 0, 0, 1, 0}, std::string("bad\x01name") + '\0'));
}

TEST_F(RejectionTest, HostnameEmpty) {
  expect_rejected(raw({4, 1, 0, 80, 0, 0, 0, 1, 0, 0}));
}

TEST_F(RejectionTest, BindWithoutPrimaryConnectIsRejected) {
  // BIND is served (bind_test.cc), but only while the client holds a CONNECT to DSTIP.
  expect_rejected(raw({4, 2, 0, 21, 127, 0, 0, 1, 0}));
  EXPECT_TRUE(sockd().wait_for_log("no CONNECT to 127.0.0.1", kCloseBound)) << sockd().log();
}

TEST_F(RejectionTest, RejectionLogLineShape) {
  expect_rejected(raw({4, 7, 0, 80, 127, 0, 0, 1, 0}));
  ASSERT_TRUE(sockd().wait_for_log("bad request", kCloseBound));
  auto lines = sockd().log_lines_with({"bad request"});
  ASSERT_EQ(lines.size(), 1u) << sockd().log();
  EXPECT_TRUE(starts_as_sockd_line(lines[0], sockd().pid())) << lines[0];
  const std::regex shape(" sockd\\[" + std::to_string(sockd().pid()) +
                         "\\]: 127\\.0\\.0\\.1:[0-9]+ bad request: .* -> rejected$");
  EXPECT_TRUE(std::regex_search(lines[0], shape)) << lines[0];
}

TEST_F(RejectionTest, UntrustedUserIdIsSanitisedInLog) {
  UniqueFd closed_port = bind_loopback(false);
  ASSERT_TRUE(closed_port);
  expect_rejected(connect_request("127.0.0.1", local_port(closed_port.get()), "ev\x01il\n"));
  ASSERT_TRUE(sockd().wait_for_log("rejected", kCloseBound));
  EXPECT_FALSE(sockd().log_lines_with({"user=ev\\x01il\\x0a"}).empty()) << sockd().log();
}

TEST_F(RejectionTest, EveryLogLineCarriesThePrefix) {
  // A resolver failure makes libevent talk too; its messages must come through sockd's log.
  expect_rejected(connect_request_4a("nosuch.invalid", 80));
  expect_rejected(raw({4, 9}));
  ASSERT_TRUE(sockd().wait_for_log("cannot resolve", kCloseBound));
  ASSERT_TRUE(sockd().wait_for_log("bad request", kCloseBound));
  for (const std::string& line : sockd().log_lines_with({}))
    EXPECT_TRUE(starts_as_sockd_line(line, sockd().pid())) << line;
}

TEST_F(RejectionTest, StalledRequestIsDroppedAfterNegotiationTimeout) {
  SockdProcess quick(with_config("timeout negotiate 1\npermit 127.0.0.0 255.0.0.0\n"));
  ASSERT_TRUE(quick.start()) << quick.error();
  UniqueFd fd = send_request(quick.port(), raw({4, 1, 0}));
  ASSERT_TRUE(fd);
  std::string received;
  EXPECT_TRUE(wait_for_close(fd.get(), milliseconds(6000), &received));
  EXPECT_TRUE(received.empty()) << received.size() << " bytes";
  EXPECT_TRUE(quick.wait_for_log("timed out", kCloseBound)) << quick.log();
}

TEST(NegotiationTimeout, TricklingClientIsDroppedToo) {
  // One byte every 200 ms never completes a 255-byte USERID within the 1 s limit: the limit
  // must count from the connection, not from the last byte.
  SockdProcess sockd(with_config("timeout negotiate 1\npermit 127.0.0.0 255.0.0.0\n"));
  ASSERT_TRUE(sockd.start()) << sockd.error();
  UniqueFd fd = send_request(sockd.port(), raw({4, 1, 0, 80, 127, 0, 0, 1}));
  ASSERT_TRUE(fd);
  bool closed = false;
  for (int i = 0; i < 25 && !closed; ++i) {  // 5 s at most
    closed = !send_all(fd.get(), "u") || wait_for_close(fd.get(), milliseconds(200));
  }
  EXPECT_TRUE(closed);
  EXPECT_TRUE(sockd.wait_for_log("timed out", kCloseBound)) << sockd.log();
}

TEST(DenyRule, DeniedDestinationGets91AndTheRuleLine) {
  LoopbackServer denied(echo_handler), allowed(echo_handler);
  // The generated config has hosts_file and resolv_conf on lines 1 and 2: the deny is line 3.
  SockdProcess sockd(with_config("deny 0.0.0.0 0.0.0.0 127.0.0.1 255.255.255.255 eq " +
                                 std::to_string(denied.port()) + "\npermit 127.0.0.0 255.0.0.0\n"));
  ASSERT_TRUE(sockd.start()) << sockd.error();
  std::optional<Reply> reply;
  EXPECT_FALSE(open_relay(sockd.port(), connect_request("127.0.0.1", denied.port()), &reply));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kRejected);
  EXPECT_TRUE(sockd.wait_for_log("denied by rule, line 3", kCloseBound)) << sockd.log();
  EXPECT_EQ(denied.accepted(), 0);
  // The next line still permits other destinations.
  EXPECT_TRUE(open_relay(sockd.port(), connect_request("127.0.0.1", allowed.port())));
}

}  // namespace
}  // namespace socks4::test
