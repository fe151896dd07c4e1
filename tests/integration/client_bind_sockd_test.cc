// The BIND side of the client library through our own sockd on loopback (client_bind_test.cc
// does the same through Dante's danted): Rbind/Rgetsockname/Rlisten/Raccept after a CONNECT,
// the FTP active pattern of the plain C program built with -lsocks, and Rrcmd's stderr channel.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "../support/child_process.h"
#include "../support/socket_io.h"
#include "../support/temp_dir.h"
#include "client_plain_path.h"
#include "client_rshd.h"
#include "sockd_fixture.h"
#include "socks.h"
#include "socks4/client_context.h"
#include "socks4/unique_fd.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};
const std::string kGreeting = "150 here is your data connection\r\n";

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::string port_command(uint32_t ip, unsigned port) {
  return "PORT " + std::to_string(ip >> 24) + "," + std::to_string(ip >> 16 & 255) + "," +
         std::to_string(ip >> 8 & 255) + "," + std::to_string(ip & 255) + "," +
         std::to_string(port >> 8) + "," + std::to_string(port & 255) + "\r\n";
}

class ClientBindSockdTest : public SockdTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_sockd());
    conf_text_ = "sockd @=127.0.0.1:" + std::to_string(port()) + " 127.0.0.1/32\n";
    client::ClientContext ctx;
    ctx.env.username = "binder";
    ctx.config = client::parse_socks_conf(conf_text_, "test.conf").config;
    ASSERT_TRUE(ctx.config.has_value());
    client::replace_context(ctx);
  }

  // sockd granted a BIND and then its inbound connection from 127.0.0.1.
  bool sockd_served_bind() {
    return sockd().wait_for_log("BIND inbound from 127.0.0.1:", kBound) &&
           !sockd().log_lines_with({"BIND user=", "-> granted (listening on 127.0.0.1:"}).empty() &&
           !sockd().log_lines_with({"BIND inbound from 127.0.0.1:", "-> granted"}).empty();
  }

  std::string conf_text_;
};

TEST_F(ClientBindSockdTest, BindAfterConnectReceivesTheInboundConnection) {
  LoopbackServer ftp(port_command_handler(kGreeting));
  UniqueFd control(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in to = loopback(ftp.port());
  ASSERT_EQ(Rconnect(control.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), 0)
      << strerror(errno);
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in any{};
  any.sin_family = AF_INET;
  ASSERT_EQ(Rbind(listener.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0)
      << strerror(errno);
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  ASSERT_EQ(Rgetsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length), 0);
  EXPECT_EQ(ntohl(bound.sin_addr.s_addr), INADDR_LOOPBACK);  // sockd's address facing DSTIP
  ASSERT_NE(bound.sin_port, 0);
  ASSERT_EQ(Rlisten(listener.get(), 1), 0);
  ASSERT_TRUE(
      send_all(control.get(), port_command(ntohl(bound.sin_addr.s_addr), ntohs(bound.sin_port))));

  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(listener.get(), &readable);
  timeval tv{10, 0};
  ASSERT_EQ(Rselect(listener.get() + 1, &readable, nullptr, nullptr, &tv), 1);
  sockaddr_in peer{};
  length = sizeof peer;
  UniqueFd data(Raccept(listener.get(), reinterpret_cast<sockaddr*>(&peer), &length));
  ASSERT_TRUE(data) << strerror(errno);
  EXPECT_EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);  // the application server
  set_io_timeout(data.get(), kBound);
  EXPECT_EQ(read_until_closed(data.get(), kBound).data, kGreeting);
  EXPECT_EQ(Raccept(listener.get(), nullptr, nullptr), -1) << "one connection per BIND";
  EXPECT_TRUE(sockd_served_bind()) << sockd().log();
  EXPECT_FALSE(
      sockd().log_lines_with({"BIND user=binder 127.0.0.1:" + std::to_string(ftp.port())}).empty())
      << "DSTIP/DSTPORT of the BIND are the last CONNECT's\n"
      << sockd().log();
}

TEST_F(ClientBindSockdTest, PlainCProgramDoesTheFtpActivePattern) {
  LoopbackServer ftp(port_command_handler(kGreeting));
  TempDir dir;
  CommandResult r =
      run_command({plain_client_binary(), "active", "127.0.0.1", std::to_string(ftp.port())},
                  milliseconds(20000), {{"SOCKS_CONF", dir.write("socks.conf", conf_text_)}});
  ASSERT_EQ(r.exit_code, 0) << r.err << sockd().log();
  EXPECT_EQ(r.out, kGreeting);
  EXPECT_NE(r.err.find("accepted from 127.0.0.1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("bound 0.0.0.0"), std::string::npos) << r.err;
  EXPECT_TRUE(sockd_served_bind()) << sockd().log();
}

TEST_F(ClientBindSockdTest, RrcmdRunsTheCommandWithItsStderrChannelThroughBind) {
  ScriptedRshd rshd;
  char host_name[] = "127.0.0.1";
  char* host = host_name;
  int errors = -1;
  UniqueFd out(Rrcmd(&host, htons(rshd.port()), "alice", "bob", "uptime", &errors));
  ASSERT_TRUE(out) << strerror(errno) << sockd().log();
  UniqueFd err(errors);
  ASSERT_TRUE(err);
  set_io_timeout(out.get(), kBound);
  set_io_timeout(err.get(), kBound);
  EXPECT_EQ(read_until_closed(out.get(), kBound).data, ScriptedRshd::output_for("uptime"));
  EXPECT_EQ(read_until_closed(err.get(), kBound).data, ScriptedRshd::errors_for("uptime"));
  auto requests = rshd.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].command, "uptime");
  EXPECT_NE(requests[0].stderr_port, "0");
  EXPECT_TRUE(requests[0].stderr_connected);
  // Both channels went through sockd: the command as a CONNECT, stderr as a BIND.
  EXPECT_FALSE(
      sockd()
          .log_lines_with({"CONNECT user=", "127.0.0.1:" + std::to_string(rshd.port()), "granted"})
          .empty())
      << sockd().log();
  EXPECT_TRUE(sockd_served_bind()) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
