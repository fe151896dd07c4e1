// Address rules cannot be dodged (docs/SECURITY.md, threats 1 and 3): a 4a name or an IPv6
// spelling of a denied IPv4 host is refused like the address itself, and an IPv6 client is
// matched by its own address.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};

// True if a connection is waiting on a non-blocking listener.
bool has_pending_connection(int listener) {
  UniqueFd accepted(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  return static_cast<bool>(accepted);
}

// A client of sockd on [::1]:port: the request sent and the reply read.
std::optional<Reply> request_from_ipv6(uint16_t sockd_port, std::span<const uint8_t> request) {
  UniqueFd fd(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(sockd_port);
  address.sin6_addr = in6addr_loopback;
  if (!fd || connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return std::nullopt;
  set_io_timeout(fd.get(), kBound);
  if (!send_all(fd.get(), request)) return std::nullopt;
  return read_reply(fd.get());
}

// Loopback services on 127.0.0.1:P and [::1]:P, behind `deny 0.0.0.0/0 127.0.0.0/8`.
class LoopbackDeniedTest : public SockdTest {
 protected:
  void SetUp() override {
    // The same port on both loopbacks; another socket may hold it on [::1]: try a few.
    for (int attempt = 0; attempt < 20 && !v6_; ++attempt) {
      v4_ = std::make_unique<LoopbackServer>(echo_handler);
      ASSERT_TRUE(v4_->port());
      v6_ = listen_ipv6_loopback(v4_->port());
    }
    ASSERT_TRUE(v6_) << "cannot listen on [::1] at a port free on 127.0.0.1: " << strerror(errno);
    // Without the primary-connection check, which would hide a BIND to this host.
    SockdOptions options =
        with_config("bind_requires_connect no\ndeny 0.0.0.0/0 127.0.0.0/8\npermit 127.0.0.0/8\n");
    options.hosts = "0.0.0.0 zero.test\n::1 six.test\n127.0.0.1 four.test\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  }

  void expect_refused_without_connecting(const std::string& name, const std::string& reason) {
    std::optional<Reply> reply;
    EXPECT_FALSE(open_relay(port(), connect_request_4a(name, v4_->port()), &reply)) << name;
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(reply->code, ReplyCode::kRejected) << name;
    EXPECT_FALSE(sockd().log_lines_with({name + ":", "rejected", reason}).empty()) << name << "\n"
                                                                                   << sockd().log();
    EXPECT_EQ(v4_->accepted(), 0) << name;
    EXPECT_FALSE(has_pending_connection(v6_.get())) << name << " reached [::1]";
  }

  std::unique_ptr<LoopbackServer> v4_;
  UniqueFd v6_;
};

TEST_F(LoopbackDeniedTest, PlainSocks4ToTheDeniedAddressIsRefused) {
  std::optional<Reply> reply;
  EXPECT_FALSE(open_relay(port(), connect_request("127.0.0.1", v4_->port()), &reply));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kRejected);
  EXPECT_EQ(v4_->accepted(), 0);
}

TEST_F(LoopbackDeniedTest, Socks4aNamesOfLoopbackAreRefusedLikeItsAddress) {
  for (const char* name : {"::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "six.test", "four.test"})
    expect_refused_without_connecting(name, "denied by rule, line 4");
}

TEST_F(LoopbackDeniedTest, ThisHostAddressesAreNeverAllowed) {
  for (const char* name : {"0.0.0.0", "::", "zero.test"})
    expect_refused_without_connecting(name, "is never allowed");
}

// A 4a BIND to this host would listen for an inbound connection from nowhere in particular.
TEST_F(LoopbackDeniedTest, Socks4aBindToThisHostIsRefused) {
  for (const char* name : {"0.0.0.0", "::", "zero.test"}) {
    std::vector<uint8_t> request = connect_request_4a(name, 21);
    request[1] = static_cast<uint8_t>(Command::kBind);
    std::optional<Reply> reply;
    EXPECT_FALSE(open_relay(port(), request, &reply)) << name;
    ASSERT_TRUE(reply) << name;
    EXPECT_EQ(reply->code, ReplyCode::kRejected) << name;
    EXPECT_FALSE(sockd().log_lines_with({"BIND", name, "is never allowed"}).empty())
        << name << "\n"
        << sockd().log();
  }
}

// The server and `sockd -r` give the same answer for a name resolving to ::1.
TEST_F(LoopbackDeniedTest, CheckModeAgrees) {
  CommandResult r = run_command(
      {sockd_binary(), "-f", sockd().config_path(), "-r", "connect - 127.0.0.1 six.test=::1 80"},
      kBound);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(":4: deny 0.0.0.0/0 127.0.0.0/8\n"), std::string::npos) << r.out;
}

// A sockd on [::1] with `options`, and the reply it gives a client there for a CONNECT to a
// loopback echo server; `destination` says whether the echo server was reached.
class Ipv6Client : public ::testing::Test {
 protected:
  std::optional<Reply> request_with(SockdOptions options) {
    options.listen = "[::1]:0";
    sockd_ = std::make_unique<SockdProcess>(options);
    if (!sockd_->start()) {
      ADD_FAILURE() << sockd_->error();
      return std::nullopt;
    }
    return request_from_ipv6(sockd_->port(), connect_request("127.0.0.1", destination_.port()));
  }

  LoopbackServer destination_{echo_handler};
  std::unique_ptr<SockdProcess> sockd_;
};

TEST_F(Ipv6Client, IsMatchedByItsOwnAddressNotAsZero) {
  // ::1 is the loopback, matched as 127.0.0.1: denied like it.
  std::optional<Reply> reply = request_with(with_config("deny 127.0.0.0/8\npermit 0.0.0.0/0\n"));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kRejected) << sockd_->log();
  EXPECT_TRUE(sockd_->wait_for_log("denied by rule, line 3", kBound)) << sockd_->log();
  EXPECT_EQ(destination_.accepted(), 0);
}

TEST_F(Ipv6Client, LoopbackRulePermitsTheIpv6Loopback) {
  std::optional<Reply> reply = request_with(SockdOptions{});  // permit 127.0.0.0 255.0.0.0
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted) << sockd_->log();
}

}  // namespace
}  // namespace socks4::test
