// The client library against the real sockd on loopback: the plain BSD C program built with
// the -D renames and -lsocks, failover over an @= list, many concurrent non-blocking connects
// driven by Rselect and by Rpoll, a refusal reported through SO_ERROR, and 4a by a name only
// sockd's hosts file knows. Every destination is 127.0.0.1, routed through sockd by a
// socks.conf line that names it (loopback is otherwise direct).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/temp_dir.h"
#include "client_fake_socks.h"
#include "client_plain_path.h"
#include "sockd_fixture.h"
#include "socks.h"
#include "socks4/client_context.h"
#include "socks4/unique_fd.h"

namespace socks4::test {
namespace {

using client::ClientContext;
using client::ConfParse;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kRunTimeout{20000};
constexpr int kConcurrent = 40;
const std::string kBody = "the quick brown fox, relayed by sockd\n";

std::string port_text(uint16_t port) {
  return std::to_string(port);
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

class ClientSockdTest : public SockdTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_sockd()); }

  // A socks.conf routing 127.0.0.1 through `servers` (an @= list).
  std::string conf_via(const std::string& servers) {
    return files_.write("socks.conf", "sockd @=" + servers + " 127.0.0.1 255.255.255.255\n");
  }
  std::string sockd_address() { return "127.0.0.1:" + port_text(port()); }

  CommandResult run_plain(std::vector<std::string> args, const std::string& conf) {
    args.insert(args.begin(), plain_client_binary());
    return run_command(args, kRunTimeout, {{"SOCKS_CONF", conf}, {"SOCKS_USERNAME", "plain"}});
  }

  // The in-process library, routed the same way.
  void use_conf(const std::string& text) {
    ClientContext ctx;
    ctx.env.username = "inproc";
    ConfParse parsed = client::parse_socks_conf(text, "test.conf");
    ASSERT_TRUE(parsed.config.has_value()) << parsed.errors[0].to_string();
    ctx.config = parsed.config;
    client::replace_context(ctx);
  }

  // CONNECTs sockd logged as granted to 127.0.0.1:<port>.
  size_t granted_to(uint16_t port) {
    return sockd()
        .log_lines_with({"CONNECT", "127.0.0.1:" + port_text(port) + " -> granted"})
        .size();
  }

  TempDir files_;
  LoopbackServer http_{http_handler(kBody)};
  LoopbackServer echo_{echo_handler};
};

TEST_F(ClientSockdTest, PlainCProgramFetchesThroughSockd) {
  CommandResult r =
      run_plain({"127.0.0.1", port_text(http_.port()), "/"}, conf_via(sockd_address()));
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200")) << r.out;
  EXPECT_TRUE(r.out.ends_with(kBody)) << r.out;
  // Proof it went through the proxy: sockd granted exactly this CONNECT, for this user.
  EXPECT_EQ(
      sockd()
          .log_lines_with({"CONNECT user=plain", "127.0.0.1:" + port_text(http_.port()), "granted"})
          .size(),
      1u)
      << sockd().log();
}

TEST_F(ClientSockdTest, PlainCProgramGoesDirectWithoutARuleForLoopback) {
  // Control: a catch-all sockd line does not capture loopback, so sockd sees nothing.
  std::string conf = files_.write("catchall.conf", "sockd @=" + sockd_address() + " 0.0.0.0/0\n");
  CommandResult r = run_plain({"127.0.0.1", port_text(http_.port()), "/"}, conf);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(kBody));
  EXPECT_EQ(granted_to(http_.port()), 0u) << sockd().log();
}

TEST_F(ClientSockdTest, FailoverToTheSecondServerWhenTheFirstIsDown) {
  std::string servers =
      "127.0.0.1:" + port_text(socks4::testing::refused_port()) + "," + sockd_address();
  CommandResult r = run_plain({"127.0.0.1", port_text(http_.port()), "/"}, conf_via(servers));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(kBody));
  EXPECT_EQ(granted_to(http_.port()), 1u) << sockd().log();
}

TEST_F(ClientSockdTest, AllServersDownIsConnectionRefused) {
  std::string down = "127.0.0.1:" + port_text(socks4::testing::refused_port());
  CommandResult r = run_plain({"127.0.0.1", port_text(http_.port()), "/"}, conf_via(down));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Connection refused"), std::string::npos) << r.err;
  EXPECT_EQ(http_.accepted(), 0);
}

TEST_F(ClientSockdTest, PlainCProgramReachesANameOnlySockdResolves) {
  // Needs -Dgethostbyname=Rgethostbyname among the renames the fixture is built with.
  std::string conf =
      files_.write("names.conf", "sockd @=" + sockd_address() + " only-sockd.test\n");
  CommandResult r = run_plain({"only-sockd.test", port_text(http_.port()), "/"}, conf);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(kBody));
  EXPECT_EQ(
      sockd().log_lines_with({"only-sockd.test:" + port_text(http_.port()), "granted"}).size(), 1u)
      << sockd().log();
}

// Starts kConcurrent non-blocking Rconnects to the echo server through sockd.
std::vector<UniqueFd> start_connects(uint16_t port) {
  std::vector<UniqueFd> fds;
  for (int i = 0; i < kConcurrent; ++i) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    sockaddr_in to = loopback(port);
    int rc = Rconnect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to);
    EXPECT_TRUE(rc == -1 && errno == EINPROGRESS) << "rc " << rc << ": " << strerror(errno);
    fds.push_back(std::move(fd));
  }
  return fds;
}

// Each connected socket echoes its own line (so no two relays are crossed).
void expect_each_echoes(const std::vector<UniqueFd>& fds) {
  for (size_t i = 0; i < fds.size(); ++i) {
    int error = -1;
    socklen_t length = sizeof error;
    ASSERT_EQ(Rgetsockopt(fds[i].get(), SOL_SOCKET, SO_ERROR, &error, &length), 0);
    EXPECT_EQ(error, 0) << strerror(error);
    std::string line = "socket " + std::to_string(i) + "\n";
    ASSERT_EQ(::send(fds[i].get(), line.data(), line.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(line.size()));
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    std::string expected = "socket " + std::to_string(i) + "\n", got;
    while (got.size() < expected.size()) {
      pollfd p{fds[i].get(), POLLIN, 0};
      if (::poll(&p, 1, 5000) != 1) break;
      char buffer[64];
      ssize_t n = ::recv(fds[i].get(), buffer, sizeof buffer, 0);
      if (n <= 0) break;
      got.append(buffer, static_cast<size_t>(n));
    }
    EXPECT_EQ(got, expected);
  }
}

TEST_F(ClientSockdTest, ManyNonBlockingConnectsDrivenByRselect) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd @=" + sockd_address() + " 127.0.0.1/32\n"));
  std::vector<UniqueFd> fds = start_connects(echo_.port());
  std::vector<bool> done(fds.size(), false);
  size_t remaining = fds.size();
  const auto deadline = Clock::now() + milliseconds(15000);
  while (remaining > 0 && Clock::now() < deadline) {
    fd_set writable;
    FD_ZERO(&writable);
    int max_fd = -1;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (done[i]) continue;
      FD_SET(fds[i].get(), &writable);
      max_fd = std::max(max_fd, fds[i].get());
    }
    timeval tv{1, 0};
    int n = Rselect(max_fd + 1, nullptr, &writable, nullptr, &tv);
    ASSERT_GE(n, 0) << strerror(errno);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (done[i] || !FD_ISSET(fds[i].get(), &writable)) continue;
      done[i] = true;
      --remaining;
      // Writable means the negotiation is over: a repeated connect says so.
      sockaddr_in to = loopback(echo_.port());
      EXPECT_EQ(Rconnect(fds[i].get(), reinterpret_cast<sockaddr*>(&to), sizeof to), -1);
      EXPECT_EQ(errno, EISCONN);
    }
  }
  ASSERT_EQ(remaining, 0u);
  expect_each_echoes(fds);
  EXPECT_EQ(granted_to(echo_.port()), static_cast<size_t>(kConcurrent));
}

TEST_F(ClientSockdTest, ManyNonBlockingConnectsDrivenByRpoll) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd @=" + sockd_address() + " 127.0.0.1/32\n"));
  std::vector<UniqueFd> fds = start_connects(echo_.port());
  std::vector<pollfd> polled;
  for (const UniqueFd& fd : fds) polled.push_back({fd.get(), POLLOUT, 0});
  size_t remaining = fds.size();
  const auto deadline = Clock::now() + milliseconds(15000);
  while (remaining > 0 && Clock::now() < deadline) {
    int n = Rpoll(polled.data(), polled.size(), 1000);
    ASSERT_GE(n, 0) << strerror(errno);
    for (pollfd& p : polled) {
      if (p.fd < 0 || p.revents == 0) continue;
      EXPECT_EQ(p.revents & (POLLERR | POLLHUP), 0);
      EXPECT_TRUE(p.revents & POLLOUT);
      p.fd = -1;  // done: poll ignores negative descriptors
      --remaining;
    }
  }
  ASSERT_EQ(remaining, 0u);
  expect_each_echoes(fds);
  EXPECT_EQ(granted_to(echo_.port()), static_cast<size_t>(kConcurrent));
}

TEST_F(ClientSockdTest, RefusedDestinationReportsConnRefusedThroughSoError) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd @=" + sockd_address() + " 127.0.0.1/32\n"));
  uint16_t closed = socks4::testing::refused_port();
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  sockaddr_in to = loopback(closed);
  ASSERT_EQ(Rconnect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), -1);
  ASSERT_EQ(errno, EINPROGRESS);
  pollfd p{fd.get(), POLLOUT, 0};
  ASSERT_EQ(Rpoll(&p, 1, 15000), 1);
  EXPECT_TRUE(p.revents & POLLERR);
  int error = 0;
  socklen_t length = sizeof error;
  ASSERT_EQ(Rgetsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length), 0);
  EXPECT_EQ(error, ECONNREFUSED) << strerror(error);
  // sockd itself was reached and refused (91): its log says why. sockd writes the line after
  // the reply, so it may arrive a moment after the client has its answer.
  sockd().wait_for_log("127.0.0.1:" + port_text(closed), std::chrono::milliseconds(5000));
  EXPECT_EQ(
      sockd()
          .log_lines_with({"CONNECT user=inproc", "127.0.0.1:" + port_text(closed), "rejected"})
          .size(),
      1u)
      << sockd().log();
}

TEST_F(ClientSockdTest, NameOnlySockdKnowsGoesAs4a) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd @=" + sockd_address() + " only-sockd.test\n"));
  // The rule names the domain: the local resolver is never asked (no DNS leaves the host).
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  ASSERT_EQ(Rgetaddrinfo("only-sockd.test", port_text(echo_.port()).c_str(), &hints, &found), 0);
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  int rc = Rconnect(fd.get(), found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  ASSERT_EQ(rc, 0) << strerror(errno);
  const std::string line = "by name\n";
  ASSERT_EQ(::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(line.size()));
  std::string got;
  while (got.size() < line.size()) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) break;
    char buffer[64];
    ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  EXPECT_EQ(got, line);
  EXPECT_EQ(sockd()
                .log_lines_with({"CONNECT user=inproc",
                                 "only-sockd.test:" + port_text(echo_.port()), "granted"})
                .size(),
            1u)
      << sockd().log();
}

TEST_F(ClientSockdTest, UnknownNameIsRefusedBySockd) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd @=" + sockd_address() + " .invalid\n"));
  hostent* entry = Rgethostbyname("nosuch.invalid");
  ASSERT_NE(entry, nullptr);
  sockaddr_in to = loopback(echo_.port());
  std::memcpy(&to.sin_addr, entry->h_addr_list[0], sizeof to.sin_addr);
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_EQ(Rconnect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  EXPECT_EQ(echo_.accepted(), 0);
}

}  // namespace
}  // namespace socks4::test
