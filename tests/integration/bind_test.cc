// sockd's BIND on loopback: the first reply names where sockd listens, the application
// server's connection from DSTIP gets the second reply and a relay; a connection from elsewhere,
// a BIND without a primary CONNECT, a deny rule, a client that fails and the time limit all get
// 91 or a close, and leave no descriptor behind.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "../support/bind_client.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};
constexpr uint16_t kDataPort = 20;  // DSTPORT of the BIND: the server's data port, as in FTP

// Each test walks one BIND: the primary CONNECT (primary_) to the application server, whose
// control side echoes; the BIND (client_) and its first reply (first_); the application
// server's connection to where sockd listens (inbound_) and the second reply (second_).
class BindTest : public SockdTest {
 protected:
  // The primary connection: a CONNECT through sockd to the application server on 127.0.0.1.
  void open_primary() {
    primary_ = open_relay(port(), connect_request("127.0.0.1", app_.port()));
    ASSERT_TRUE(primary_) << "the primary CONNECT was refused";
  }

  // Sends a BIND and reads the first reply; the client socket stays open.
  void send_bind(const std::vector<uint8_t>& request) {
    client_ = send_request(port(), request);
    ASSERT_TRUE(client_);
    first_ = read_reply(client_.get());
    ASSERT_TRUE(first_) << "no first reply";
  }

  // A BIND whose first reply is granted: 90, a 127.x address (never 0.0.0.0) and a port.
  void bind_granted(const std::vector<uint8_t>& request = bind_request("127.0.0.1", kDataPort)) {
    ASSERT_NO_FATAL_FAILURE(send_bind(request));
    ASSERT_EQ(first_->code, ReplyCode::kGranted);
    EXPECT_EQ(first_->ip >> 24, 127u) << reply_ip(*first_);
    EXPECT_NE(first_->port, 0);
  }

  void open_primary_and_bind() {
    ASSERT_NO_FATAL_FAILURE(open_primary());
    ASSERT_NO_FATAL_FAILURE(bind_granted());
  }

  // The application server connects from `source_ip` to where sockd listens; sockd's second
  // reply to the client follows.
  void connect_inbound(const std::string& source_ip = "127.0.0.1") {
    inbound_ = connect_from(source_ip, reply_ip(*first_), first_->port);
    ASSERT_TRUE(inbound_);
    second_ = read_reply(client_.get());
    ASSERT_TRUE(second_);
  }

  bool listener_closed() { return connection_refused(reply_ip(*first_), first_->port); }

  LoopbackServer app_{echo_handler};
  UniqueFd primary_, client_, inbound_;
  std::optional<Reply> first_, second_;
};

TEST_F(BindTest, InboundFromDstipIsRelayedBothWaysWithHalfClose) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_args({"-t", "2", "--no-splice"})));
  ASSERT_NO_FATAL_FAILURE(open_primary());
  const int baseline = open_descriptors(sockd().pid());
  ASSERT_NO_FATAL_FAILURE(bind_granted(bind_request("127.0.0.1", kDataPort, "ftpuser")));
  ASSERT_NO_FATAL_FAILURE(connect_inbound());
  EXPECT_EQ(second_->code, ReplyCode::kGranted);
  EXPECT_EQ(reply_ip(*second_), "127.0.0.1");
  EXPECT_EQ(second_->port, local_port(inbound_.get())) << "the second reply names the peer";

  ASSERT_TRUE(send_all(inbound_.get(), "150 data follows\r\n"));
  ASSERT_TRUE(send_all(client_.get(), "upload"));
  shutdown(client_.get(), SHUT_WR);
  ReadResult upstream = read_until_closed(inbound_.get(), kBound);
  EXPECT_EQ(upstream.data, "upload");
  EXPECT_EQ(upstream.end, ReadEnd::kEof) << "the client's half-close is passed on";
  ASSERT_TRUE(send_all(inbound_.get(), "after half-close"));
  inbound_.reset();
  ReadResult downstream = read_until_closed(client_.get(), kBound);
  EXPECT_EQ(downstream.data, "150 data follows\r\nafter half-close");
  EXPECT_EQ(downstream.end, ReadEnd::kEof);

  const std::string listening = reply_ip(*first_) + ":" + std::to_string(first_->port);
  EXPECT_TRUE(sockd().wait_for_log("close 127.0.0.1:", kBound));
  EXPECT_FALSE(sockd()
                   .log_lines_with({"BIND user=ftpuser 127.0.0.1:20 -> granted (listening on " +
                                    listening + ")"})
                   .empty())
      << sockd().log();
  EXPECT_FALSE(sockd()
                   .log_lines_with({"BIND inbound from 127.0.0.1:" + std::to_string(second_->port) +
                                    " -> granted"})
                   .empty())
      << sockd().log();
  client_.reset();
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
  EXPECT_TRUE(listener_closed()) << "one connection per BIND";
}

TEST_F(BindTest, ClientBytesSentWhileWaitingReachTheApplicationServer) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_NO_FATAL_FAILURE(open_primary_and_bind());
  ASSERT_TRUE(send_all(client_.get(), "early"));
  ASSERT_TRUE(sockd().wait_for_log("granted (listening on", kBound));
  ASSERT_NO_FATAL_FAILURE(connect_inbound());
  EXPECT_EQ(second_->code, ReplyCode::kGranted);
  auto bytes = recv_exact(inbound_.get(), 5);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "early");
}

TEST_F(BindTest, InboundFromAnotherAddressGets91AndBothAreClosed) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_NO_FATAL_FAILURE(open_primary());
  const int baseline = open_descriptors(sockd().pid());
  ASSERT_NO_FATAL_FAILURE(bind_granted());
  ASSERT_NO_FATAL_FAILURE(connect_inbound("127.0.0.2"));
  EXPECT_EQ(second_->code, ReplyCode::kRejected);
  std::string after;
  EXPECT_TRUE(wait_for_close(client_.get(), kBound, &after));
  EXPECT_TRUE(after.empty()) << after.size() << " bytes after the second reply";
  EXPECT_TRUE(wait_for_close(inbound_.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("rejected (inbound from 127.0.0.2, expected 127.0.0.1)", kBound))
      << sockd().log();
  EXPECT_TRUE(listener_closed());
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
}

TEST_F(BindTest, WithoutAPrimaryConnectBindIsRejected) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_NO_FATAL_FAILURE(send_bind(bind_request("127.0.0.1", kDataPort)));
  EXPECT_EQ(first_->code, ReplyCode::kRejected);
  EXPECT_TRUE(wait_for_close(client_.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("no CONNECT to 127.0.0.1 from this client", kBound))
      << sockd().log();
}

TEST_F(BindTest, APrimaryToAnotherDestinationDoesNotCount) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_NO_FATAL_FAILURE(open_primary());  // to 127.0.0.1
  ASSERT_NO_FATAL_FAILURE(send_bind(bind_request("127.0.0.2", kDataPort)));
  EXPECT_EQ(first_->code, ReplyCode::kRejected);
}

TEST_F(BindTest, AClosedPrimaryNoLongerCounts) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_NO_FATAL_FAILURE(open_primary_and_bind());
  client_.reset();
  primary_.reset();
  ASSERT_TRUE(sockd().wait_for_log(":" + std::to_string(app_.port()) + ": sent", kBound))
      << sockd().log();
  ASSERT_NO_FATAL_FAILURE(send_bind(bind_request("127.0.0.1", kDataPort)));
  EXPECT_EQ(first_->code, ReplyCode::kRejected);
}

TEST_F(BindTest, BindRequiresConnectNoGrantsWithoutPrimary) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("bind_requires_connect no\npermit 127.0.0.0 255.0.0.0\n")));
  ASSERT_NO_FATAL_FAILURE(bind_granted());
  ASSERT_NO_FATAL_FAILURE(connect_inbound());
  EXPECT_EQ(second_->code, ReplyCode::kGranted);
}

// A close (FIN) looks like a half-close, which is kept for the relay (bind_half_close_test.cc);
// a client that fails (here: a reset) ends the wait.
TEST_F(BindTest, ClientFailingWhileWaitingClosesTheListener) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_NO_FATAL_FAILURE(open_primary());
  const int baseline = open_descriptors(sockd().pid());
  ASSERT_GT(baseline, 0);
  ASSERT_NO_FATAL_FAILURE(bind_granted());
  EXPECT_EQ(open_descriptors(sockd().pid()), baseline + 2) << "the client and the listener";
  linger abort{1, 0};
  ASSERT_EQ(setsockopt(client_.get(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort), 0);
  client_.reset();
  ASSERT_TRUE(sockd().wait_for_log(
      "client failed: Connection reset by peer while waiting for the inbound connection", kBound))
      << sockd().log();
  EXPECT_TRUE(listener_closed());
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
}

TEST_F(BindTest, TimeLimitGives91AndClosesTheListener) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("timeout connect 1\npermit 127.0.0.0 255.0.0.0\n")));
  ASSERT_NO_FATAL_FAILURE(open_primary());
  const int baseline = open_descriptors(sockd().pid());
  ASSERT_NO_FATAL_FAILURE(bind_granted());
  auto second = read_reply(client_.get());  // bounded by the socket's receive timeout
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kRejected);
  EXPECT_TRUE(wait_for_close(client_.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("inbound connection timed out after 1s", kBound))
      << sockd().log();
  EXPECT_TRUE(listener_closed());
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
}

TEST_F(BindTest, FourABindByANameOnlySockdKnows) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());  // hosts file: 127.0.0.1 only-sockd.test
  ASSERT_NO_FATAL_FAILURE(open_primary());
  ASSERT_NO_FATAL_FAILURE(bind_granted(bind_request_4a("only-sockd.test", kDataPort)));
  EXPECT_TRUE(sockd().wait_for_log("granted (listening on", kBound));
  EXPECT_FALSE(sockd()
                   .log_lines_with({"BIND user=tester only-sockd.test:20 (127.0.0.1) -> granted "
                                    "(listening on"})
                   .empty())
      << sockd().log();
  ASSERT_NO_FATAL_FAILURE(connect_inbound());
  EXPECT_EQ(second_->code, ReplyCode::kGranted);
}

TEST_F(BindTest, DenyBindRuleRejectsBindWhileConnectStillWorks) {
  // Lines 1 and 2 of the generated config are hosts_file and resolv_conf: the deny is line 3.
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny bind 0.0.0.0/0\npermit 127.0.0.0 255.0.0.0\n")));
  ASSERT_NO_FATAL_FAILURE(open_primary());
  ASSERT_TRUE(send_all(primary_.get(), "ping"));
  auto echoed = recv_exact(primary_.get(), 4);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(std::string(echoed->begin(), echoed->end()), "ping");
  ASSERT_NO_FATAL_FAILURE(send_bind(bind_request("127.0.0.1", kDataPort)));
  EXPECT_EQ(first_->code, ReplyCode::kRejected);
  EXPECT_TRUE(wait_for_close(client_.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("denied by rule, line 3", kBound)) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
