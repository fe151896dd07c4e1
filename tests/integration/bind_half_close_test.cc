// A BIND client that sends its bytes and half-closes before the inbound connection arrives is
// still served: sockd keeps waiting, then relays the bytes and passes the half-close on, and
// the application server can still answer the client. (CONNECT does the same while connecting.)
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "../support/bind_client.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};

class BindHalfClose : public SockdTest {};

TEST_F(BindHalfClose, BytesAndHalfCloseBeforeTheInboundConnectionArePassedOn) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_args({"-t", "2", "-d"})));
  LoopbackServer app(echo_handler);
  UniqueFd primary = open_relay(port(), connect_request("127.0.0.1", app.port()));
  ASSERT_TRUE(primary);
  UniqueFd client = send_request(port(), bind_request("127.0.0.1", 20));
  ASSERT_TRUE(client);
  auto first = read_reply(client.get());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->code, ReplyCode::kGranted);

  const std::string upload(100, 'u');
  ASSERT_TRUE(send_all(client.get(), upload));
  ASSERT_EQ(shutdown(client.get(), SHUT_WR), 0);
  // sockd has seen the EOF (the debug line) before the application server connects.
  ASSERT_TRUE(sockd().wait_for_log("while waiting for the inbound connection", kBound))
      << sockd().log();

  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound) << "the listener closed with the client's half-close\n" << sockd().log();
  auto second = read_reply(client.get());
  ASSERT_TRUE(second) << sockd().log();
  EXPECT_EQ(second->code, ReplyCode::kGranted);
  ReadResult upstream = read_until_closed(inbound.get(), kBound);
  EXPECT_EQ(upstream.data, upload);
  EXPECT_EQ(upstream.end, ReadEnd::kEof) << "the half-close is passed on";

  ASSERT_TRUE(send_all(inbound.get(), "226 transfer complete\r\n"));
  inbound.reset();
  ReadResult downstream = read_until_closed(client.get(), kBound);
  EXPECT_EQ(downstream.data, "226 transfer complete\r\n");
  EXPECT_EQ(downstream.end, ReadEnd::kEof);
  EXPECT_TRUE(sockd().wait_for_log("sent 100 received 23 bytes", kBound)) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
