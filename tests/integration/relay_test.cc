// The relay apart from its modes: names with several addresses, many relays at once, a trickled
// request, the granted reply, the idle timeout, and isolation from misbehaving clients.
#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "../support/bind_client.h"
#include "../support/byte_stream.h"
#include "../support/loopback_server.h"
#include "../support/relay_transfer.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr size_t kTail = 1u << 20;

using RelayTest = SockdTest;

// Bulk transfers in each relay mode and bytes pipelined with the request are in
// relay_modes_test.cc.

TEST_F(RelayTest, NameWithSeveralAddressesTriesTheNext) {
  // 127.0.0.2 refuses (nothing listens there); 127.0.0.1 has the echo server.
  SockdOptions options;
  options.hosts = "127.0.0.2 multi.test\n127.0.0.1 multi.test\n";
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  LoopbackServer echo(echo_handler);
  std::optional<Reply> reply;
  UniqueFd fd = open_relay(port(), connect_request_4a("multi.test", echo.port()), &reply);
  ASSERT_TRUE(fd) << "reply " << (reply ? static_cast<int>(reply->code) : -1);
  ASSERT_TRUE(send_all(fd.get(), "ok"));
  EXPECT_TRUE(recv_exact(fd.get(), 2));
  EXPECT_TRUE(sockd().wait_for_log(
      "multi.test:" + std::to_string(echo.port()) + " (127.0.0.1) -> granted", milliseconds(3000)))
      << sockd().log();
}

TEST_F(RelayTest, ManyConcurrentRelays) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  LoopbackServer echo(echo_handler);
  constexpr int kClients = 100;
  std::vector<UniqueFd> relays;
  for (int i = 0; i < kClients; ++i) {
    relays.push_back(open_relay(port(), connect_request("127.0.0.1", echo.port())));
    ASSERT_TRUE(relays.back()) << "client " << i;
  }
  // All open at once; each carries its own data.
  std::vector<uint8_t> data(16384);
  for (int i = 0; i < kClients; ++i) {
    ByteStream(static_cast<uint64_t>(i) + 100).fill(data);
    ASSERT_TRUE(send_all(relays[i].get(), data)) << i;
    auto back = recv_exact(relays[i].get(), data.size());
    ASSERT_TRUE(back) << i;
    EXPECT_TRUE(*back == data) << i;
  }
}

TEST_F(RelayTest, RequestTrickledByteByByte) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  LoopbackServer echo(echo_handler);
  UniqueFd fd = connect_tcp("127.0.0.1", port());
  ASSERT_TRUE(fd);
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (uint8_t b : connect_request_4a("only-sockd.test", echo.port(), "slow")) {
    ASSERT_TRUE(send_all(fd.get(), std::span(&b, 1)));
    std::this_thread::sleep_for(milliseconds(5));  // the trickle under test: a segment a byte
  }
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
}

TEST_F(RelayTest, GrantedReplyCarriesRequestedPortAndAddress) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  LoopbackServer echo(echo_handler);
  std::optional<Reply> reply;
  UniqueFd fd = open_relay(port(), connect_request("127.0.0.1", echo.port()), &reply);
  ASSERT_TRUE(fd);
  EXPECT_EQ(reply->port, echo.port());
  EXPECT_EQ(reply->ip, 0x7f000001u);
}

// A 4a CONNECT's reply names the address and port sockd connected to (here the second of the
// name's addresses: the first refuses). SOCKS 4a says clients ignore these fields; socksify
// reads them to report the real peer.
TEST_F(RelayTest, GrantedReplyTo4aCarriesTheAddressConnectedTo) {
  SockdOptions options;
  options.hosts = "127.0.0.2 multi.test\n127.0.0.1 multi.test\n";
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  LoopbackServer echo(echo_handler);
  UniqueFd fd = send_request(port(), connect_request_4a("multi.test", echo.port()));
  ASSERT_TRUE(fd);
  auto reply = recv_exact(fd.get(), kReplySize);
  ASSERT_TRUE(reply);
  const auto port_high = static_cast<uint8_t>(echo.port() >> 8);
  const auto port_low = static_cast<uint8_t>(echo.port() & 0xff);
  EXPECT_EQ(*reply, (std::vector<uint8_t>{0, 90, port_high, port_low, 127, 0, 0, 1}));
}

// An IPv6 address cannot stand in DSTIP: the reply keeps the request's DSTPORT and DSTIP.
TEST_F(RelayTest, GrantedReplyTo4aOverIpv6KeepsTheRequestedFields) {
  UniqueFd listener = listen_ipv6_loopback(0);
  ASSERT_TRUE(listener) << "cannot listen on [::1]: " << strerror(errno);
  const uint16_t six_port = local_port(listener.get());
  SockdOptions options;
  options.hosts = "::1 six.test\n";
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  UniqueFd fd = send_request(port(), connect_request_4a("six.test", six_port));
  ASSERT_TRUE(fd);
  auto reply = recv_exact(fd.get(), kReplySize);
  ASSERT_TRUE(reply);
  const auto port_high = static_cast<uint8_t>(six_port >> 8);
  const auto port_low = static_cast<uint8_t>(six_port & 0xff);
  EXPECT_EQ(*reply, (std::vector<uint8_t>{0, 90, port_high, port_low, 0, 0, 0, 1}));
}

TEST_F(RelayTest, IdleRelayIsClosed) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("timeout idle 1\npermit 127.0.0.0 255.0.0.0\n")));
  LoopbackServer echo(echo_handler);
  UniqueFd fd = open_relay(port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), "ping"));
  auto pong = recv_exact(fd.get(), 4);
  ASSERT_TRUE(pong);  // the relay works, so a close afterwards is the idle timeout
  EXPECT_TRUE(wait_for_close(fd.get(), milliseconds(6000)));
}

TEST_F(RelayTest, ActiveRelayOutlivesIdleTimeout) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("timeout idle 1\npermit 127.0.0.0 255.0.0.0\n")));
  LoopbackServer echo(echo_handler);
  UniqueFd fd = open_relay(port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(fd);
  // Traffic every 300 ms for 2.4 s: never idle for a whole second.
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(send_all(fd.get(), "x")) << i;
    ASSERT_TRUE(recv_exact(fd.get(), 1)) << i;
    std::this_thread::sleep_for(milliseconds(300));  // the pace under test, not a wait
  }
}

// Garbage, stalls, oversized fields and abrupt resets from other clients while a transfer
// runs: the transfer is unaffected.
TEST_F(RelayTest, MisbehavingClientsDoNotDisturbATransfer) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  const uint16_t sockd_port = port();
  const int baseline = open_descriptors(sockd().pid());
  std::thread transfer_thread([&] {
    check_relayed_transfer(sockd_port, {41, 8u << 20, 0}, {42, 8u << 20, kTail});
  });
  std::vector<UniqueFd> stalled;
  for (int round = 0; round < 20; ++round) {
    UniqueFd garbage = send_request(sockd_port, std::vector<uint8_t>{'G', 'E', 'T', ' ', '/'});
    UniqueFd partial = send_request(sockd_port, std::vector<uint8_t>{4, 1, 0});
    if (partial) stalled.push_back(std::move(partial));
    std::vector<uint8_t> long_user = connect_request("127.0.0.1", 9, std::string(300, 'u'));
    UniqueFd oversized = send_request(sockd_port, long_user);
    // Gone while its name is still being resolved (the resolver takes a second to give up).
    UniqueFd impatient = send_request(sockd_port, connect_request_4a("nosuch.invalid", 80));
    UniqueFd reset = connect_tcp("127.0.0.1", sockd_port);
    if (reset) {
      linger hard{1, 0};  // close with RST
      setsockopt(reset.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
  }
  transfer_thread.join();
  stalled.clear();
  // Every misbehaving client's session ends, the abandoned lookups' included (the resolver
  // gives up after a second), and with them their descriptors.
  EXPECT_EQ(wait_for_descriptors(sockd().pid(), baseline, milliseconds(10000)), baseline)
      << sockd().log();
  EXPECT_TRUE(sockd().process().running());
  // sockd still serves new clients.
  LoopbackServer echo(echo_handler);
  EXPECT_TRUE(open_relay(sockd_port, connect_request("127.0.0.1", echo.port())));
}

}  // namespace
}  // namespace socks4::test
