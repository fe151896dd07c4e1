// The BIND side of the client library through a SOCKS 4 server on loopback, once through our
// sockd and once through Dante's danted (client_bind_servers.h): Rbind/Rgetsockname/Rlisten/
// Raccept after a CONNECT, the same FTP active pattern from the plain C program built with
// -lsocks, and Rrcmd against a scripted rshd.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "../support/child_process.h"
#include "../support/socket_io.h"
#include "../support/temp_dir.h"
#include "client_bind_servers.h"
#include "client_plain_path.h"
#include "client_rshd.h"
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

// One fresh server per test; the client library's context routes 127.0.0.1 through it.
class ClientBindTest : public ::testing::TestWithParam<BindServerKind> {
 protected:
  void SetUp() override {
    server_ = make_bind_test_server(GetParam());
    const std::string error = server_->start();
    ASSERT_TRUE(error.empty()) << error;
    conf_text_ = "sockd @=127.0.0.1:" + std::to_string(server_->port()) + " 127.0.0.1/32\n";
    client::ClientContext ctx;
    ctx.env.username = "binder";
    ctx.config = client::parse_socks_conf(conf_text_, "test.conf").config;
    ASSERT_TRUE(ctx.config.has_value());
    client::replace_context(ctx);
  }
  void TearDown() override {
    if (HasFailure() && server_)
      std::cerr << "--- " << bind_server_name(GetParam()) << " log:\n" << server_->log() << "---\n";
  }

  BindTestServer& server() { return *server_; }

  std::unique_ptr<BindTestServer> server_;
  std::string conf_text_;
};

TEST_P(ClientBindTest, BindAfterConnectReceivesTheInboundConnection) {
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
  // Where the server listens for us (its address facing DSTIP), not a local port of ours.
  EXPECT_EQ(ntohl(bound.sin_addr.s_addr), INADDR_LOOPBACK);
  ASSERT_NE(bound.sin_port, 0);
  ASSERT_EQ(Rlisten(listener.get(), 1), 0);
  EXPECT_EQ(::listen(listener.get(), 1), -1) << "the socket itself is connected to the server";
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
  EXPECT_EQ(errno, EINVAL);
  EXPECT_TRUE(server().wait_for_binds_served(1));
  EXPECT_TRUE(server().bind_logged(ftp.port(), "binder"))
      << "DSTIP/DSTPORT of the BIND are the last CONNECT's";
}

TEST_P(ClientBindTest, PlainCProgramDoesTheFtpActivePattern) {
  LoopbackServer ftp(port_command_handler(kGreeting));
  TempDir dir;
  CommandResult r =
      run_command({plain_client_binary(), "active", "127.0.0.1", std::to_string(ftp.port())},
                  milliseconds(20000), {{"SOCKS_CONF", dir.write("socks.conf", conf_text_)}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kGreeting);
  EXPECT_NE(r.err.find("accepted from 127.0.0.1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("bound 0.0.0.0"), std::string::npos) << r.err;
  EXPECT_TRUE(server().wait_for_binds_served(1));
  EXPECT_TRUE(server().bind_logged(ftp.port(), ""));
}

TEST_P(ClientBindTest, RrcmdRunsTheCommandWithItsStderrChannelThroughBind) {
  ScriptedRshd rshd;
  char host_name[] = "127.0.0.1";
  char* host = host_name;
  int errors = -1;
  UniqueFd out(Rrcmd(&host, htons(rshd.port()), "alice", "bob", "uptime", &errors));
  ASSERT_TRUE(out) << strerror(errno);
  UniqueFd err(errors);
  ASSERT_TRUE(err);
  set_io_timeout(out.get(), kBound);
  set_io_timeout(err.get(), kBound);
  EXPECT_EQ(read_until_closed(out.get(), kBound).data, ScriptedRshd::output_for("uptime"));
  EXPECT_EQ(read_until_closed(err.get(), kBound).data, ScriptedRshd::errors_for("uptime"));
  auto requests = rshd.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].local_user, "alice");
  EXPECT_EQ(requests[0].remote_user, "bob");
  EXPECT_EQ(requests[0].command, "uptime");
  EXPECT_NE(requests[0].stderr_port, "0");
  EXPECT_TRUE(requests[0].stderr_connected);
  // Both channels went through the server: the command as a CONNECT, stderr as a BIND.
  EXPECT_EQ(requests[0].peer_ip, "127.0.0.1");
  EXPECT_TRUE(server().connect_logged(rshd.port()));
  EXPECT_TRUE(server().wait_for_binds_served(1));
  EXPECT_TRUE(server().bind_logged(rshd.port(), ""));
}

TEST_P(ClientBindTest, RrcmdWithoutStderrChannelSendsPortZero) {
  ScriptedRshd rshd;
  char host_name[] = "127.0.0.1";
  char* host = host_name;
  UniqueFd out(Rrcmd(&host, htons(rshd.port()), "alice", "bob", "date", nullptr));
  ASSERT_TRUE(out) << strerror(errno);
  set_io_timeout(out.get(), kBound);
  EXPECT_EQ(read_until_closed(out.get(), kBound).data, ScriptedRshd::output_for("date"));
  auto requests = rshd.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].stderr_port, "0");
  EXPECT_FALSE(requests[0].stderr_connected);
}

TEST_P(ClientBindTest, RrcmdReportsTheRemoteRefusal) {
  ScriptedRshd rshd;
  char host_name[] = "127.0.0.1";
  char* host = host_name;
  int errors = -1;
  EXPECT_EQ(Rrcmd(&host, htons(rshd.port()), "alice", "bob", "fail", &errors), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  EXPECT_EQ(errors, -1) << "no descriptor leaks to the caller on failure";
}

INSTANTIATE_TEST_SUITE_P(Through, ClientBindTest,
                         ::testing::Values(BindServerKind::kOurSockd, BindServerKind::kDanted),
                         [](const ::testing::TestParamInfo<BindServerKind>& info) {
                           return bind_server_name(info.param);
                         });

}  // namespace
}  // namespace socks4::test
