// A listener behind a load balancer (`listen ... proxy_protocol`, `proxy_from`): the PROXY
// header from a balancer in proxy_from gives the client address that rules, limits and logs
// use; a header from anyone else, or a malformed one, is refused and logged. On a listener
// without proxy_protocol a PROXY header is a bad request. The "balancer" is this test,
// connecting from 127.0.0.2.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};
constexpr const char* kBalancer = "127.0.0.2";

using Bytes = std::vector<uint8_t>;

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

Bytes v1_header(const std::string& client_ip, int client_port) {
  return text("PROXY TCP4 " + client_ip + " 127.0.0.1 " + std::to_string(client_port) +
              " 1080\r\n");
}

// PROXY, TCP over IPv4, from a.b.c.d:port to 127.0.0.1:1080.
Bytes v2_header(std::array<uint8_t, 4> client, uint16_t port) {
  return Bytes{0x0d,
               0x0a,
               0x0d,
               0x0a,
               0x00,
               0x0d,
               0x0a,
               0x51,
               0x55,
               0x49,
               0x54,
               0x0a,
               0x21,
               0x11,
               0x00,
               12,
               client[0],
               client[1],
               client[2],
               client[3],
               127,
               0,
               0,
               1,
               static_cast<uint8_t>(port >> 8),
               static_cast<uint8_t>(port & 0xff),
               0x04,
               0x38};
}

std::string proxied_config(const std::string& extra = "") {
  return "listen 127.0.0.1:0 proxy_protocol\n"
         "proxy_from 127.0.0.2/32\n"
         "timeout negotiate 2\n" +
         extra +
         "deny 10.1.2.3/32\n"
         "permit 10.0.0.0/8\n";
}

class ProxyProtocolTest : public SockdTest {
 protected:
  void start_proxied(const std::string& extra = "") {
    SockdOptions options = with_config(proxied_config(extra));
    options.listen.clear();  // the config's listen line, with proxy_protocol
    start_sockd(std::move(options));
  }

  // Connects from `source` to sockd and sends `bytes`.
  UniqueFd send_from(const std::string& source, const Bytes& bytes) {
    UniqueFd fd = connect_tcp_from(source, "127.0.0.1", port(), kBound, kBound);
    if (fd && !send_all(fd.get(), std::span<const uint8_t>(bytes))) fd.reset();
    return fd;
  }

  // A 91 reply, then the connection closed.
  void expect_refused(UniqueFd fd) {
    ASSERT_TRUE(fd);
    auto reply = read_reply(fd.get());
    ASSERT_TRUE(reply) << "no reply";
    EXPECT_EQ(reply->code, ReplyCode::kRejected);
    EXPECT_TRUE(wait_for_close(fd.get(), kBound));
  }
};

TEST_F(ProxyProtocolTest, V1HeaderRulesSeeReportedClient) {
  ASSERT_NO_FATAL_FAILURE(start_proxied());
  LoopbackServer echo(echo_handler);
  // The balancer's own address (127.0.0.2) has no rule: only the reported one can be permitted.
  expect_refused(send_from(
      kBalancer, v1_header("10.1.2.3", 40000) + connect_request("127.0.0.1", echo.port())));
  EXPECT_TRUE(sockd().wait_for_log("10.1.2.3:40000", kBound)) << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({"10.1.2.3:40000", "rejected"}).empty()) << sockd().log();

  UniqueFd fd = send_from(kBalancer,
                          v1_header("10.7.7.7", 40001) + connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(fd);
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
  EXPECT_TRUE(echoes(fd.get(), "through the balancer"));
  EXPECT_FALSE(sockd().log_lines_with({"10.7.7.7:40001", "granted"}).empty()) << sockd().log();
}

TEST_F(ProxyProtocolTest, V2HeaderRulesSeeReportedClient) {
  ASSERT_NO_FATAL_FAILURE(start_proxied());
  LoopbackServer echo(echo_handler);
  expect_refused(send_from(
      kBalancer, v2_header({10, 1, 2, 3}, 40002) + connect_request("127.0.0.1", echo.port())));
  EXPECT_FALSE(sockd().log_lines_with({"10.1.2.3:40002", "rejected"}).empty()) << sockd().log();

  // The header and the request in separate writes, the header itself in two.
  const Bytes header = v2_header({10, 8, 8, 8}, 40003);
  UniqueFd fd = send_from(kBalancer, Bytes(header.begin(), header.begin() + 10));
  ASSERT_TRUE(fd);
  ASSERT_TRUE(send_all(fd.get(), std::span<const uint8_t>(header).subspan(10)));
  ASSERT_TRUE(
      send_all(fd.get(), std::span<const uint8_t>(connect_request("127.0.0.1", echo.port()))));
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
  EXPECT_TRUE(echoes(fd.get(), "v2"));
  EXPECT_FALSE(sockd().log_lines_with({"10.8.8.8:40003", "granted"}).empty()) << sockd().log();
}

TEST_F(ProxyProtocolTest, HeaderFromOutsideProxyFromIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start_proxied());
  LoopbackServer echo(echo_handler);
  // 127.0.0.1 is not a listed balancer: its claim to be 10.7.7.7 (permitted) is not believed.
  expect_refused(send_from(
      "127.0.0.1", v1_header("10.7.7.7", 40004) + connect_request("127.0.0.1", echo.port())));
  EXPECT_TRUE(sockd().wait_for_log("not in proxy_from", kBound)) << sockd().log();
  EXPECT_TRUE(sockd().log_lines_with({"10.7.7.7"}).empty()) << sockd().log();
}

TEST_F(ProxyProtocolTest, MalformedHeaderIsRefusedAndLogged) {
  ASSERT_NO_FATAL_FAILURE(start_proxied());
  LoopbackServer echo(echo_handler);
  // A SOCKS request with no header first.
  expect_refused(send_from(kBalancer, connect_request("127.0.0.1", echo.port())));
  EXPECT_TRUE(sockd().wait_for_log("bad PROXY header", kBound)) << sockd().log();
  // A v1 line with a bad port.
  expect_refused(send_from(kBalancer, text("PROXY TCP4 10.7.7.7 127.0.0.1 99999 1080\r\n")));
  EXPECT_EQ(sockd().log_lines_with({"127.0.0.2:", "bad PROXY header"}).size(), 2u) << sockd().log();
  // A v2 header longer than sockd takes: refused on its fixed part.
  Bytes huge = v2_header({10, 7, 7, 7}, 1);
  huge[14] = 0x10;
  expect_refused(send_from(kBalancer, huge));
  EXPECT_FALSE(sockd().log_lines_with({"bad PROXY header", "longer than"}).empty())
      << sockd().log();
}

TEST_F(ProxyProtocolTest, HeaderMustArriveWithinNegotiationTimeout) {
  ASSERT_NO_FATAL_FAILURE(start_proxied());
  UniqueFd fd = send_from(kBalancer, text("PROXY TCP4 10.7"));
  ASSERT_TRUE(fd);
  EXPECT_TRUE(wait_for_close(fd.get(), kBound));
  EXPECT_TRUE(sockd().wait_for_log("PROXY header timed out after 2s", kBound)) << sockd().log();
}

// A connection waiting for its header holds a place like any other client: otherwise a
// balancer's idle connections would be free of max_connections.
TEST_F(ProxyProtocolTest, HeaderWaitCountsAgainstMaxConnections) {
  SockdOptions options = with_config(proxied_config("max_connections 2\n"));
  options.listen.clear();
  options.extra_args = {"-t", "1"};  // one accept queue: the silent two come first
  ASSERT_NO_FATAL_FAILURE(start_sockd(std::move(options)));
  LoopbackServer echo(echo_handler);
  UniqueFd silent1 = send_from(kBalancer, {});
  UniqueFd silent2 = send_from(kBalancer, {});
  ASSERT_TRUE(silent1 && silent2);
  expect_refused(
      send_from(kBalancer, v1_header("10.7.7.7", 1) + connect_request("127.0.0.1", echo.port())));
  EXPECT_FALSE(sockd().log_lines_with({"127.0.0.2", "max_connections)"}).empty()) << sockd().log();
}

// Until its header is read a connection is the balancer's: it counts against the balancer
// address's max_negotiations_per_source, and no longer once the header names the client.
TEST_F(ProxyProtocolTest, HeaderWaitCountsAgainstBalancerNegotiations) {
  SockdOptions options = with_config(proxied_config("max_negotiations_per_source 2\n"));
  options.listen.clear();
  options.extra_args = {"-t", "1", "-d"};
  ASSERT_NO_FATAL_FAILURE(start_sockd(std::move(options)));
  LoopbackServer echo(echo_handler);
  UniqueFd silent1 = send_from(kBalancer, {});
  UniqueFd silent2 = send_from(kBalancer, {});
  ASSERT_TRUE(silent1 && silent2);
  expect_refused(
      send_from(kBalancer, v1_header("10.7.7.7", 1) + connect_request("127.0.0.1", echo.port())));
  EXPECT_TRUE(sockd().wait_for_log("max_negotiations_per_source", kBound)) << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({"127.0.0.2", "max_negotiations_per_source"}).empty())
      << sockd().log();

  // A header (and no request yet): the waiting connection is 10.7.7.8's now, not the balancer's.
  ASSERT_TRUE(send_all(silent1.get(), std::span<const uint8_t>(v1_header("10.7.7.8", 2))));
  ASSERT_TRUE(sockd().wait_for_log("10.7.7.8:2 came through", kBound)) << sockd().log();
  UniqueFd fd =
      send_from(kBalancer, v1_header("10.7.7.9", 3) + connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(fd);
  auto reply = read_reply(fd.get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
}

// `timeout negotiate` counts from the accept, header and request together: a header that comes
// late leaves the request only the rest of it, not a fresh timeout.
TEST_F(ProxyProtocolTest, OneNegotiationDeadlineCoversHeaderAndRequest) {
  ASSERT_NO_FATAL_FAILURE(start_proxied());
  const auto accepted = std::chrono::steady_clock::now();
  UniqueFd fd = send_from(kBalancer, text("PROXY TCP4 "));
  ASSERT_TRUE(fd);
  // The rest of the header 1.6 s into the 2 s; no request after it. (A slow balancer's pace,
  // not a wait for an event.)
  std::this_thread::sleep_for(milliseconds(1600));
  const Bytes header = v1_header("10.7.7.7", 1);
  ASSERT_TRUE(send_all(fd.get(), std::span<const uint8_t>(header).subspan(11)));
  EXPECT_TRUE(wait_for_close(fd.get(), kBound));
  const auto taken =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - accepted);
  // 2 s from the accept; a fresh timer after the header would close it at 3.6 s.
  EXPECT_LT(taken.count(), 3000) << sockd().log();
  EXPECT_TRUE(sockd().wait_for_log("negotiation timed out after 2s", kBound)) << sockd().log();
}

TEST_F(ProxyProtocolTest, PerSourceLimitCountsReportedClients) {
  ASSERT_NO_FATAL_FAILURE(start_proxied("max_connections_per_source 1\n"));
  LoopbackServer echo(echo_handler);
  // Two clients behind the same balancer are two sources; a second connection of one is over.
  UniqueFd first =
      send_from(kBalancer, v1_header("10.7.7.7", 1) + connect_request("127.0.0.1", echo.port()));
  UniqueFd second =
      send_from(kBalancer, v1_header("10.7.7.8", 2) + connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(first && second);
  for (int fd : {first.get(), second.get()}) {
    auto reply = read_reply(fd);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->code, ReplyCode::kGranted);
  }
  expect_refused(
      send_from(kBalancer, v1_header("10.7.7.7", 3) + connect_request("127.0.0.1", echo.port())));
  EXPECT_TRUE(sockd().wait_for_log("max_connections_per_source", kBound)) << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({"10.7.7.7", "max_connections_per_source"}).empty())
      << sockd().log();
}

// HAProxy's health checks (check-send-proxy) send a v2 LOCAL header and close: one a second
// per balancer must not fill the log. With -d they are still visible.
TEST_F(ProxyProtocolTest, HealthCheckWithLocalHeaderIsLoggedOnlyForDebugging) {
  SockdOptions options = with_config(proxied_config());
  options.listen.clear();
  options.extra_args = {"-t", "2", "-d"};
  ASSERT_NO_FATAL_FAILURE(start_sockd(std::move(options)));
  const Bytes local = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
                       0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00};
  UniqueFd check = send_from(kBalancer, local);
  ASSERT_TRUE(check);
  const uint16_t check_port = local_port(check.get());
  check.reset();
  const std::string who = std::string(kBalancer) + ":" + std::to_string(check_port);
  EXPECT_TRUE(sockd().wait_for_log(who + " health check (PROXY LOCAL) closed", kBound))
      << sockd().log();
  EXPECT_TRUE(sockd().log_lines_with({who, "closed the connection"}).empty()) << sockd().log();
}

TEST_F(ProxyProtocolTest, PlainListenerTakesHeaderForBadRequest) {
  // No proxy_protocol: "PROXY ..." and the v2 signature are not SOCKS4, closed without a reply.
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("proxy_from 127.0.0.0/8\npermit 127.0.0.0/8\npermit 10.0.0.0/8\n")));
  LoopbackServer echo(echo_handler);
  for (const Bytes& header : {v1_header("10.7.7.7", 1), v2_header({10, 7, 7, 7}, 1)}) {
    UniqueFd fd = send_request(port(), header + connect_request("127.0.0.1", echo.port()));
    ASSERT_TRUE(fd);
    std::string received;
    EXPECT_TRUE(wait_for_close(fd.get(), kBound, &received));
    EXPECT_TRUE(received.empty()) << received.size() << " bytes";
  }
  EXPECT_TRUE(sockd().wait_for_log("bad request", kBound)) << sockd().log();
  EXPECT_EQ(sockd().log_lines_with({"bad request", "version"}).size(), 2u) << sockd().log();
  EXPECT_TRUE(sockd().log_lines_with({"10.7.7.7"}).empty()) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
