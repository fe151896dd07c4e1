// sockd's BIND on loopback: the first reply names where sockd listens, the application
// server's connection from DSTIP gets the second reply and a relay; a connection from elsewhere,
// a BIND without a primary CONNECT, a deny rule, a client that leaves and the time limit all get
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

// The application server's control side: holds the primary connection open, echoing.
class BindTest : public SockdTest {
 protected:
  // The primary connection: a CONNECT through sockd to the application server on 127.0.0.1.
  UniqueFd open_primary() {
    UniqueFd primary = open_relay(port(), connect_request("127.0.0.1", app_.port()));
    EXPECT_TRUE(primary) << "the primary CONNECT was refused";
    return primary;
  }

  // Sends a BIND and reads the first reply into `first`; the client socket stays open.
  UniqueFd send_bind(const std::vector<uint8_t>& request, std::optional<Reply>* first) {
    UniqueFd client = send_request(port(), request);
    EXPECT_TRUE(client);
    if (client) *first = read_reply(client.get());
    return client;
  }

  // A granted first reply: 90, a 127.x address (never 0.0.0.0) and a port.
  static void expect_listening(const std::optional<Reply>& first) {
    ASSERT_TRUE(first) << "no first reply";
    ASSERT_EQ(first->code, ReplyCode::kGranted);
    EXPECT_EQ(first->ip >> 24, 127u) << reply_ip(*first);
    EXPECT_NE(first->port, 0);
  }

  LoopbackServer app_{echo_handler};
};

TEST_F(BindTest, InboundFromDstipIsRelayedBothWaysWithHalfClose) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_args({"-t", "2", "--no-splice"})));
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  const int baseline = open_descriptors(sockd().pid());
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort, "ftpuser"), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));

  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kGranted);
  EXPECT_EQ(reply_ip(*second), "127.0.0.1");
  EXPECT_EQ(second->port, local_port(inbound.get())) << "the second reply names the peer";

  ASSERT_TRUE(send_all(inbound.get(), "150 data follows\r\n"));
  ASSERT_TRUE(send_all(client.get(), "upload"));
  shutdown(client.get(), SHUT_WR);
  ReadResult upstream = read_until_closed(inbound.get(), kBound);
  EXPECT_EQ(upstream.data, "upload");
  EXPECT_EQ(upstream.end, ReadEnd::kEof) << "the client's half-close is passed on";
  ASSERT_TRUE(send_all(inbound.get(), "after half-close"));
  inbound.reset();
  ReadResult downstream = read_until_closed(client.get(), kBound);
  EXPECT_EQ(downstream.data, "150 data follows\r\nafter half-close");
  EXPECT_EQ(downstream.end, ReadEnd::kEof);

  const std::string listening = reply_ip(*first) + ":" + std::to_string(first->port);
  EXPECT_TRUE(sockd().wait_for_log("close 127.0.0.1:", kBound));
  EXPECT_FALSE(sockd()
                   .log_lines_with({"BIND user=ftpuser 127.0.0.1:20 -> granted (listening on " +
                                    listening + ")"})
                   .empty())
      << sockd().log();
  EXPECT_FALSE(sockd()
                   .log_lines_with({"BIND inbound from 127.0.0.1:" + std::to_string(second->port) +
                                    " -> granted"})
                   .empty())
      << sockd().log();
  client.reset();
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
  EXPECT_TRUE(connection_refused(reply_ip(*first), first->port)) << "one connection per BIND";
}

TEST_F(BindTest, ClientBytesSentWhileWaitingReachTheApplicationServer) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  ASSERT_TRUE(send_all(client.get(), "early"));
  ASSERT_TRUE(sockd().wait_for_log("granted (listening on", kBound));
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kGranted);
  auto bytes = recv_exact(inbound.get(), 5);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "early");
}

TEST_F(BindTest, InboundFromAnotherAddressGets91AndBothAreClosed) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  const int baseline = open_descriptors(sockd().pid());
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  UniqueFd intruder = connect_from("127.0.0.2", reply_ip(*first), first->port);
  ASSERT_TRUE(intruder);
  auto second = read_reply(client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kRejected);
  std::string after;
  EXPECT_TRUE(wait_for_close(client.get(), kBound, &after));
  EXPECT_TRUE(after.empty()) << after.size() << " bytes after the second reply";
  EXPECT_TRUE(wait_for_close(intruder.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("rejected (inbound from 127.0.0.2, expected 127.0.0.1)", kBound))
      << sockd().log();
  EXPECT_TRUE(connection_refused(reply_ip(*first), first->port));
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
}

TEST_F(BindTest, WithoutAPrimaryConnectBindIsRejected) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, ReplyCode::kRejected);
  EXPECT_TRUE(wait_for_close(client.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("no CONNECT to 127.0.0.1 from this client", kBound))
      << sockd().log();
}

TEST_F(BindTest, APrimaryToAnotherDestinationDoesNotCount) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  UniqueFd primary = open_primary();  // to 127.0.0.1
  ASSERT_TRUE(primary);
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.2", kDataPort), &first);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, ReplyCode::kRejected);
}

TEST_F(BindTest, AClosedPrimaryNoLongerCounts) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  {
    UniqueFd primary = open_primary();
    ASSERT_TRUE(primary);
    std::optional<Reply> first;
    UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
    ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  }
  ASSERT_TRUE(sockd().wait_for_log(":" + std::to_string(app_.port()) + ": sent", kBound))
      << sockd().log();
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, ReplyCode::kRejected);
}

TEST_F(BindTest, BindRequiresConnectNoGrantsWithoutPrimary) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("bind_requires_connect no\npermit 127.0.0.0 255.0.0.0\n")));
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kGranted);
}

TEST_F(BindTest, ClientLeavingWhileWaitingClosesTheListener) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  const int baseline = open_descriptors(sockd().pid());
  ASSERT_GT(baseline, 0);
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  EXPECT_EQ(open_descriptors(sockd().pid()), baseline + 2) << "the client and the listener";
  client.reset();
  ASSERT_TRUE(sockd().wait_for_log("client went away while waiting", kBound)) << sockd().log();
  EXPECT_TRUE(connection_refused(reply_ip(*first), first->port));
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
}

TEST_F(BindTest, TimeLimitGives91AndClosesTheListener) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("timeout connect 1\npermit 127.0.0.0 255.0.0.0\n")));
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  const int baseline = open_descriptors(sockd().pid());
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  auto second = read_reply(client.get());  // bounded by the socket's receive timeout
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kRejected);
  EXPECT_TRUE(wait_for_close(client.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("inbound connection timed out after 1s", kBound))
      << sockd().log();
  EXPECT_TRUE(connection_refused(reply_ip(*first), first->port));
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, kBound), baseline);
}

TEST_F(BindTest, FourABindByANameOnlySockdKnows) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());  // hosts file: 127.0.0.1 only-sockd.test
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request_4a("only-sockd.test", kDataPort), &first);
  ASSERT_NO_FATAL_FAILURE(expect_listening(first));
  EXPECT_TRUE(sockd().wait_for_log("granted (listening on", kBound));
  EXPECT_FALSE(sockd()
                   .log_lines_with({"BIND user=tester only-sockd.test:20 (127.0.0.1) -> granted "
                                    "(listening on"})
                   .empty())
      << sockd().log();
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kGranted);
}

TEST_F(BindTest, DenyBindRuleRejectsBindWhileConnectStillWorks) {
  // Lines 1 and 2 of the generated config are hosts_file and resolv_conf: the deny is line 3.
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny bind 0.0.0.0/0\npermit 127.0.0.0 255.0.0.0\n")));
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  ASSERT_TRUE(send_all(primary.get(), "ping"));
  auto echoed = recv_exact(primary.get(), 4);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(std::string(echoed->begin(), echoed->end()), "ping");
  std::optional<Reply> first;
  UniqueFd client = send_bind(bind_request("127.0.0.1", kDataPort), &first);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, ReplyCode::kRejected);
  EXPECT_TRUE(wait_for_close(client.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("denied by rule, line 3", kBound)) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
