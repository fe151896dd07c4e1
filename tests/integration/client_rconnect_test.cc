// The R family against a scripted SOCKS server on loopback: blocking and non-blocking
// CONNECT, refusals and their errno, failover, timeouts, 4a, and BIND after CONNECT.
// Destinations are TEST-NET addresses that only the fake server ever sees: no packet leaves
// the machine.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "client_fake_socks.h"
#include "socks.h"
#include "socks4/client_context.h"
#include "socks4/client_ops.h"
#include "socks4/unique_fd.h"

namespace socks4::client {
namespace {

using socks4::testing::FakeSocksScript;
using socks4::testing::FakeSocksServer;
using socks4::testing::refused_port;

constexpr uint32_t kWeb = 0xc000020a;  // 192.0.2.10

sockaddr_in address(uint32_t ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip);
  return a;
}

void use_servers(std::vector<uint16_t> ports, std::string conf = "", ClientTimeouts timeouts = {}) {
  ClientContext ctx;
  ctx.env.username = "tester";
  ctx.env.debug = false;
  for (uint16_t port : ports) ctx.default_servers.push_back({"127.0.0.1", port});
  if (!conf.empty()) {
    ConfParse parsed = parse_socks_conf(conf, "test.conf");
    ASSERT_TRUE(parsed.config.has_value());
    ctx.config = parsed.config;
  }
  ctx.timeouts = timeouts;
  replace_context(ctx);
}

int rconnect(int fd, uint32_t ip, uint16_t port) {
  sockaddr_in a = address(ip, port);
  return Rconnect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

UniqueFd tcp_socket(bool nonblocking = false) {
  return UniqueFd(::socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0));
}

std::string echo(int fd, const std::string& text) {
  EXPECT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
  std::string out;
  while (out.size() < text.size()) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    char buffer[256];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

TEST(ClientConnect, BlockingConnectSendsRequestAndRelays) {
  FakeSocksServer server;
  use_servers({server.port()});
  UniqueFd fd = tcp_socket();
  ASSERT_EQ(rconnect(fd.get(), kWeb, 80), 0) << strerror(errno);
  EXPECT_EQ(echo(fd.get(), "GET / HTTP/1.0\r\n"), "GET / HTTP/1.0\r\n");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].command, Command::kConnect);
  EXPECT_EQ(requests[0].ip, kWeb);
  EXPECT_EQ(requests[0].port, 80);
  EXPECT_EQ(requests[0].user_id, "tester");
  EXPECT_FALSE(requests[0].is_4a());
}

struct RefusalCase {
  ReplyCode code;
  int expected_errno;
};

class ClientRefusal : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(ClientRefusal, MapsReplyCodeToErrno) {
  FakeSocksScript script;
  script.reply = GetParam().code;
  FakeSocksServer server(script);
  use_servers({server.port()});
  UniqueFd fd = tcp_socket();
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, GetParam().expected_errno);
}

INSTANTIATE_TEST_SUITE_P(Codes, ClientRefusal,
                         ::testing::Values(RefusalCase{ReplyCode::kRejected, ECONNREFUSED},
                                           RefusalCase{ReplyCode::kNoIdentd, EACCES},
                                           RefusalCase{ReplyCode::kIdentMismatch, EACCES}));

TEST(ClientConnect, DenyLineRefusesWithoutContactingTheServer) {
  FakeSocksServer server;
  use_servers({server.port()}, "deny 192.0.2.0/24\nsockd 0.0.0.0/0\n");
  UniqueFd fd = tcp_socket();
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  EXPECT_EQ(server.connections(), 0);
}

TEST(ClientConnect, FailsOverToTheNextServer) {
  FakeSocksServer server;
  use_servers({}, "sockd @=127.0.0.1:" + std::to_string(refused_port()) +
                      ",127.0.0.1:" + std::to_string(server.port()) + " 0.0.0.0 0.0.0.0\n");
  UniqueFd fd = tcp_socket();
  ASSERT_EQ(rconnect(fd.get(), kWeb, 443), 0) << strerror(errno);
  EXPECT_EQ(echo(fd.get(), "x"), "x");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(ClientConnect, AllServersDownGivesTheConnectError) {
  use_servers({refused_port(), refused_port()});
  UniqueFd fd = tcp_socket();
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
}

TEST(ClientConnect, SilentServerTimesOut) {
  FakeSocksScript script;
  script.reply = std::nullopt;
  FakeSocksServer server(script);
  ClientTimeouts quick;
  quick.reply_ms = 300;
  use_servers({server.port()}, "", quick);
  UniqueFd fd = tcp_socket();
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, ETIMEDOUT);
}

TEST(ClientConnect, ByNameSends4a) {
  FakeSocksServer server;
  use_servers({server.port()});
  UniqueFd fd = tcp_socket();
  ASSERT_EQ(as_system_call(connect_socket_to_name(fd.get(), "www.example.test", 8080)), 0)
      << strerror(errno);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].is_4a());
  EXPECT_EQ(requests[0].hostname, "www.example.test");
  EXPECT_EQ(requests[0].port, 8080);
}

TEST(ClientConnect, LoopbackIsDirectEvenWithAServer) {
  FakeSocksServer target;  // just something listening on loopback
  use_servers({refused_port()});
  UniqueFd fd = tcp_socket();
  EXPECT_EQ(rconnect(fd.get(), INADDR_LOOPBACK, target.port()), 0) << strerror(errno);
}

TEST(ClientNonBlocking, PendingIsNotWritableThenConnects) {
  FakeSocksScript script;
  script.reply_delay_ms = 400;
  FakeSocksServer server(script);
  use_servers({server.port()});
  UniqueFd fd = tcp_socket(true);
  ASSERT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  ASSERT_EQ(errno, EINPROGRESS);
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, EALREADY);
  // The TCP connection to the server is up well before the reply: still not writable.
  fd_set writable;
  FD_ZERO(&writable);
  FD_SET(fd.get(), &writable);
  timeval short_wait{0, 100'000};
  EXPECT_EQ(Rselect(fd.get() + 1, nullptr, &writable, nullptr, &short_wait), 0);
  FD_SET(fd.get(), &writable);
  timeval long_wait{5, 0};
  ASSERT_EQ(Rselect(fd.get() + 1, nullptr, &writable, nullptr, &long_wait), 1);
  EXPECT_TRUE(FD_ISSET(fd.get(), &writable));
  int error = -1;
  socklen_t length = sizeof error;
  ASSERT_EQ(Rgetsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length), 0);
  EXPECT_EQ(error, 0);
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, EISCONN);
  EXPECT_EQ(echo(fd.get(), "ping"), "ping");
}

// Many sockets at once, one of them refused by the server; driven by select or by poll.
class ClientManyNonBlocking : public ::testing::TestWithParam<bool> {};

TEST_P(ClientManyNonBlocking, AllCompleteAndTheRefusedOneReportsSoError) {
  const bool use_poll = GetParam();
  constexpr int kSockets = 40;
  FakeSocksServer good;
  FakeSocksScript refuse;
  refuse.reply = ReplyCode::kRejected;
  FakeSocksServer bad(refuse);
  use_servers({}, "sockd @=127.0.0.1:" + std::to_string(bad.port()) +
                      " 192.0.2.99 255.255.255.255\nsockd @=127.0.0.1:" +
                      std::to_string(good.port()) + " 0.0.0.0 0.0.0.0\n");
  std::vector<UniqueFd> fds;
  for (int i = 0; i < kSockets; ++i) {
    fds.push_back(tcp_socket(true));
    uint32_t ip = i == 7 ? 0xc0000263 : kWeb;  // socket 7 goes to 192.0.2.99: refused
    int rc = rconnect(fds.back().get(), ip, static_cast<uint16_t>(1000 + i));
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << strerror(errno);
  }
  std::vector<bool> done(kSockets, false);
  int remaining = kSockets;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (remaining > 0 && std::chrono::steady_clock::now() < deadline) {
    std::vector<int> ready;
    if (use_poll) {
      std::vector<pollfd> polled;
      for (int i = 0; i < kSockets; ++i) {
        if (!done[i]) polled.push_back({fds[i].get(), POLLOUT, 0});
      }
      ASSERT_GE(Rpoll(polled.data(), polled.size(), 1000), 0);
      for (const pollfd& p : polled) {
        if (p.revents != 0) ready.push_back(p.fd);
      }
    } else {
      fd_set writable;
      FD_ZERO(&writable);
      int max_fd = 0;
      for (int i = 0; i < kSockets; ++i) {
        if (!done[i]) {
          FD_SET(fds[i].get(), &writable);
          max_fd = std::max(max_fd, fds[i].get());
        }
      }
      timeval wait{1, 0};
      ASSERT_GE(Rselect(max_fd + 1, nullptr, &writable, nullptr, &wait), 0);
      for (int i = 0; i < kSockets; ++i) {
        if (!done[i] && FD_ISSET(fds[i].get(), &writable)) ready.push_back(fds[i].get());
      }
    }
    for (int fd : ready) {
      int i = 0;
      while (fds[i].get() != fd) ++i;
      int error = -1;
      socklen_t length = sizeof error;
      ASSERT_EQ(Rgetsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length), 0);
      EXPECT_EQ(error, i == 7 ? ECONNREFUSED : 0) << "socket " << i;
      if (i != 7) {
        EXPECT_EQ(echo(fd, "n" + std::to_string(i)), "n" + std::to_string(i));
      }
      done[i] = true;
      --remaining;
    }
  }
  EXPECT_EQ(remaining, 0);
  EXPECT_EQ(good.requests().size(), static_cast<size_t>(kSockets - 1));
  EXPECT_EQ(bad.requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(SelectAndPoll, ClientManyNonBlocking, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "poll" : "select"; });

TEST(ClientNonBlocking, RefusalReportedOnceByRepeatedConnect) {
  FakeSocksScript refuse;
  refuse.reply = ReplyCode::kRejected;
  FakeSocksServer server(refuse);
  use_servers({server.port()});
  UniqueFd fd = tcp_socket(true);
  ASSERT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  ASSERT_EQ(errno, EINPROGRESS);
  pollfd p{fd.get(), POLLOUT, 0};
  ASSERT_EQ(Rpoll(&p, 1, 5000), 1);
  EXPECT_TRUE(p.revents & POLLERR);
  EXPECT_EQ(rconnect(fd.get(), kWeb, 80), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
}

TEST(ClientBind, BindAfterConnectGoesThroughTheSameServer) {
  FakeSocksServer server;
  use_servers({server.port()});
  UniqueFd control = tcp_socket();
  ASSERT_EQ(rconnect(control.get(), kWeb, 21), 0) << strerror(errno);
  UniqueFd listener = tcp_socket();
  sockaddr_in any = address(INADDR_ANY, 0);
  ASSERT_EQ(Rbind(listener.get(), reinterpret_cast<sockaddr*>(&any), sizeof any), 0)
      << strerror(errno);
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  ASSERT_EQ(Rgetsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length), 0);
  EXPECT_EQ(ntohl(bound.sin_addr.s_addr), INADDR_LOOPBACK);  // reply 0.0.0.0 -> server's IP
  EXPECT_EQ(ntohs(bound.sin_port), 4321);
  EXPECT_EQ(Rlisten(listener.get(), 1), 0);
  sockaddr_in peer{};
  length = sizeof peer;
  UniqueFd stream(Raccept(listener.get(), reinterpret_cast<sockaddr*>(&peer), &length));
  ASSERT_TRUE(stream) << strerror(errno);
  EXPECT_EQ(ntohl(peer.sin_addr.s_addr), kWeb);
  EXPECT_EQ(ntohs(peer.sin_port), 5555);
  std::string greeting = "hello from the application server";
  std::string got(greeting.size(), '\0');
  pollfd p{stream.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  EXPECT_EQ(::recv(stream.get(), got.data(), got.size(), MSG_WAITALL),
            static_cast<ssize_t>(got.size()));
  EXPECT_EQ(got, greeting);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].command, Command::kBind);
  EXPECT_EQ(requests[1].ip, kWeb);  // DSTIP = the last CONNECT's destination
  EXPECT_EQ(requests[1].port, 21);
  EXPECT_EQ(Raccept(listener.get(), nullptr, nullptr), -1);  // one connection per BIND
}

TEST(ClientBind, BindWithoutAProxiedConnectIsAPlainBind) {
  replace_context(ClientContext{});
  UniqueFd fd = tcp_socket();
  sockaddr_in local = address(INADDR_LOOPBACK, 0);
  ASSERT_EQ(Rbind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  ASSERT_EQ(Rgetsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length), 0);
  EXPECT_NE(bound.sin_port, 0);
  EXPECT_EQ(Rlisten(fd.get(), 1), 0);
}

}  // namespace
}  // namespace socks4::client
