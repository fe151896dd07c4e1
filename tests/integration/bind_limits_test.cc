// BIND is bounded and follows its reason: BINDs waiting for their inbound connection are
// limited per primary connection (client address + DSTIP, max_binds_per_connection, default 4)
// and per client address (max_binds_per_source), over either limit: 91 and a log line; and a
// waiting BIND's listener closes (91 as the second reply) when the last primary CONNECT from
// its client to its DSTIP closes, whichever thread holds the primary and the BIND.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "../support/bind_client.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};
constexpr uint16_t kDataPort = 20;

// One BIND: its client socket and its first reply.
struct WaitingBind {
  UniqueFd client;
  std::optional<Reply> first;
};

class BindLimits : public SockdTest {
 protected:
  UniqueFd open_primary() { return open_relay(port(), connect_request("127.0.0.1", app_.port())); }

  WaitingBind send_bind(const std::string& destination = "127.0.0.1") {
    WaitingBind bind;
    bind.client = send_request(port(), bind_request(destination, kDataPort));
    if (bind.client) bind.first = read_reply(bind.client.get());
    return bind;
  }

  static bool granted(const WaitingBind& bind) {
    return bind.first && bind.first->code == ReplyCode::kGranted;
  }
  static bool rejected(const WaitingBind& bind) {
    return bind.first && bind.first->code == ReplyCode::kRejected;
  }

  LoopbackServer app_{echo_handler};
};

TEST_F(BindLimits, FifthWaitingBindOnOnePrimaryGets91UntilOneIsDone) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());  // the default: max_binds_per_connection 4
  UniqueFd primary = open_primary();
  ASSERT_TRUE(primary);
  std::vector<WaitingBind> waiting;
  for (int i = 0; i < 4; ++i) {
    waiting.push_back(send_bind());
    ASSERT_TRUE(granted(waiting.back())) << i << "\n" << sockd().log();
  }
  WaitingBind fifth = send_bind();
  EXPECT_TRUE(rejected(fifth)) << "a fifth BIND waits beside four on one primary connection";
  EXPECT_EQ(sockd()
                .log_lines_with({"BIND user=tester 127.0.0.1:20 -> rejected (4 BINDs already "
                                 "waiting for this client's connection to 127.0.0.1 "
                                 "(max_binds_per_connection))"})
                .size(),
            1u)
      << sockd().log();

  // One is done (its inbound connection came): room for another.
  WaitingBind& done = waiting.front();
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*done.first), done.first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(done.client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kGranted);
  EXPECT_TRUE(granted(send_bind())) << sockd().log();
}

TEST_F(BindLimits, PerSourceLimitCountsEveryDestination) {
  // Without bind_requires_connect the per-connection limit counts per client address and DSTIP.
  ASSERT_NO_FATAL_FAILURE(start_sockd(
      with_config("bind_requires_connect no\nmax_binds_per_connection 2\nmax_binds_per_source 3\n"
                  "permit 127.0.0.0 255.0.0.0\n")));
  std::vector<WaitingBind> waiting;
  waiting.push_back(send_bind("127.0.0.1"));
  waiting.push_back(send_bind("127.0.0.1"));
  for (const WaitingBind& bind : waiting) ASSERT_TRUE(granted(bind)) << sockd().log();
  EXPECT_TRUE(rejected(send_bind("127.0.0.1")));
  waiting.push_back(send_bind("127.0.0.2"));
  ASSERT_TRUE(granted(waiting.back())) << sockd().log();
  EXPECT_TRUE(rejected(send_bind("127.0.0.3")));
  EXPECT_EQ(sockd().log_lines_with({"(max_binds_per_connection))"}).size(), 1u) << sockd().log();
  EXPECT_EQ(sockd()
                .log_lines_with({"BIND user=tester 127.0.0.3:20 -> rejected (3 BINDs already "
                                 "waiting from this client (max_binds_per_source))"})
                .size(),
            1u)
      << sockd().log();
}

TEST_F(BindLimits, ClosingThePrimaryClosesTheWaitingBind) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_args({"-t", "2"})));
  // Several rounds: the kernel spreads connections over the two threads, so the primary and
  // the BIND are sometimes on the same thread and sometimes not.
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    UniqueFd primary = open_primary();
    ASSERT_TRUE(primary);
    WaitingBind bind = send_bind();
    ASSERT_TRUE(granted(bind)) << round;
    primary.reset();
    auto second = read_reply(bind.client.get());  // bounded by the receive timeout
    ASSERT_TRUE(second) << "round " << round << ": no second reply\n" << sockd().log();
    EXPECT_EQ(second->code, ReplyCode::kRejected);
    EXPECT_TRUE(wait_for_close(bind.client.get(), kBound));
    EXPECT_TRUE(connection_refused(reply_ip(*bind.first), bind.first->port))
        << "round " << round << ": the listener is still open";
  }
  EXPECT_EQ(sockd()
                .log_lines_with({"BIND user=tester 127.0.0.1:20 -> rejected (primary "
                                 "connection closed)"})
                .size(),
            static_cast<size_t>(kRounds))
      << sockd().log();
}

TEST_F(BindLimits, BindWaitsWhileAnotherPrimaryToTheSameDestinationLives) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  UniqueFd first_primary = open_primary();
  UniqueFd second_primary = open_primary();
  ASSERT_TRUE(first_primary && second_primary);
  WaitingBind bind = send_bind();
  ASSERT_TRUE(granted(bind));
  first_primary.reset();
  ASSERT_TRUE(sockd().wait_for_log(":" + std::to_string(app_.port()) + ": sent", kBound))
      << sockd().log();
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*bind.first), bind.first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(bind.client.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->code, ReplyCode::kGranted) << sockd().log();
  EXPECT_TRUE(sockd().log_lines_with({"primary connection closed"}).empty());
}

}  // namespace
}  // namespace socks4::test
