// Hostile HTTP against the stats listener leaves relaying intact: huge headers are refused,
// a slowloris flood past the connection cap is closed at once (the rest at the deadline), and
// 10,000 requests leave no descriptor behind.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"
#include "stats_http.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

UniqueFd connect_to(uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  if (!fd || connect(fd.get(), reinterpret_cast<sockaddr*>(&server), sizeof server) != 0)
    return UniqueFd();
  return fd;
}

// Whether the peer closes `fd` (EOF or reset) within `timeout`, reading whatever comes first.
bool closed_within(int fd, milliseconds timeout, std::string* received = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n <= 0) return true;
    if (received) received->append(buffer, static_cast<size_t>(n));
  }
}

// Server-side sockets of the stats listener that sockd still holds (not listening), from
// /proc/net/tcp: only sockd holds sockets whose local port is the listener's. Counted this way
// rather than by sockd's descriptors, which its relay pipe pools move too.
size_t stats_connections_open(uint16_t port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  size_t n = 0;
  char wanted[8];
  snprintf(wanted, sizeof wanted, ":%04X", port);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    // Inode 0: no descriptor holds it any more (an orphan closing, TIME_WAIT).
    if (local.ends_with(wanted) && state != "0A" && inode != "0") ++n;
  }
  return n;
}

// Waits (bounded) until at most `limit` stats connections are open; returns the last count.
size_t wait_for_stats_connections(uint16_t port, size_t limit) {
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  size_t open = stats_connections_open(port);
  while (open > limit && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    open = stats_connections_open(port);
  }
  return open;
}

class StatsHostile : public SockdTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("stats 127.0.0.1:0\npermit 127.0.0.0/8\n")));
    std::optional<uint16_t> found = stats_port(sockd());
    ASSERT_TRUE(found) << sockd().log();
    stats_ = *found;
    relay_ = open_relay(port(), connect_request("127.0.0.1", echo_.port()));
    ASSERT_TRUE(relay_);
    ASSERT_TRUE(echoes(relay_.get(), "before"));
  }
  // Relaying still works: the held relay and a new one.
  void expect_relaying_intact(const std::string& when) {
    EXPECT_TRUE(echoes(relay_.get(), "held relay " + when)) << when;
    UniqueFd fresh = open_relay(port(), connect_request("127.0.0.1", echo_.port()));
    ASSERT_TRUE(fresh) << when;
    EXPECT_TRUE(echoes(fresh.get(), "new relay " + when)) << when;
  }

  LoopbackServer echo_{echo_handler};
  uint16_t stats_ = 0;
  UniqueFd relay_;
};

TEST_F(StatsHostile, HugeHeadersAreRefused) {
  UniqueFd fd = connect_to(stats_);
  ASSERT_TRUE(fd);
  std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 2000; ++i)
    request += "X-Padding-" + std::to_string(i) + ": " + std::string(100, 'a') + "\r\n";  // ~230 KB
  // The server may close before all of it is sent: a failed send is fine.
  send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  EXPECT_TRUE(closed_within(fd.get(), milliseconds(10000), &answer));
  EXPECT_EQ(answer.find("sockd_requests_total"), std::string::npos) << answer.substr(0, 200);
  expect_relaying_intact("after huge headers");
  EXPECT_EQ(http_get(stats_, "/metrics").status, 200);
  // Other methods and paths.
  EXPECT_EQ(http_get(stats_, "/nothing-here").status, 404);
  UniqueFd post = connect_to(stats_);
  ASSERT_TRUE(send_all(post.get(), std::string_view("POST /metrics HTTP/1.0\r\nContent-Length: "
                                                    "3\r\n\r\nabc")));
  std::string refused;
  EXPECT_TRUE(closed_within(post.get(), milliseconds(10000), &refused));
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 501 ")) << refused;  // evhttp's answer
}

TEST_F(StatsHostile, SlowlorisPastTheCapIsClosedAndRelayingGoesOn) {
  constexpr size_t kSlow = 100;  // the cap is 64
  std::vector<UniqueFd> slow;
  for (size_t i = 0; i < kSlow; ++i) {
    slow.push_back(connect_to(stats_));
    ASSERT_TRUE(slow.back()) << i;
    ASSERT_TRUE(send_all(slow.back().get(), std::string_view("GET /metrics HTTP/1.1\r\nX-a: ")));
  }
  // Those over the cap (accepted after the first 64) are closed at once; the others are held
  // until their deadline.
  for (size_t i = 64; i < kSlow; ++i)
    EXPECT_TRUE(closed_within(slow[i].get(), milliseconds(3000))) << i;
  for (size_t i = 0; i < 64; ++i) EXPECT_FALSE(closed_within(slow[i].get(), milliseconds(1))) << i;
  // The closed ones leave sockd within a sweep (250 ms).
  EXPECT_EQ(wait_for_stats_connections(stats_, 64), 64u);
  expect_relaying_intact("during the slowloris");
  slow.clear();
  // Once they are gone, the listener answers again.
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < deadline)
    status = http_get(stats_, "/metrics").status;
  EXPECT_EQ(status, 200);
}

TEST_F(StatsHostile, SilentConnectionIsClosedAfterTheIdleTimeout) {
  UniqueFd silent = connect_to(stats_);
  ASSERT_TRUE(silent);
  const auto start = std::chrono::steady_clock::now();
  // The limit is 10 s; the held relay keeps talking meanwhile (its echo server gives up on a
  // silence of 15 s).
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - start < milliseconds(15000)) {
    closed = closed_within(silent.get(), milliseconds(2000));
    EXPECT_TRUE(echoes(relay_.get(), "while a stats client is silent"));
  }
  EXPECT_TRUE(closed);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(9000));
  EXPECT_EQ(wait_for_stats_connections(stats_, 0), 0u);
  expect_relaying_intact("after the idle timeout");
}

TEST_F(StatsHostile, TricklingClientIsClosedAtTheConnectionDeadline) {
  // One header byte every second: never idle for 10 s, never done. The whole connection has
  // 30 s.
  UniqueFd slow = connect_to(stats_);
  ASSERT_TRUE(slow);
  ASSERT_TRUE(send_all(slow.get(), std::string_view("GET /metrics HTTP/1.1\r\nX-Slow: ")));
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - start < milliseconds(40000)) {
    closed = closed_within(slow.get(), milliseconds(1000));
    if (closed) break;
    send(slow.get(), "a", 1, MSG_NOSIGNAL);
    EXPECT_TRUE(echoes(relay_.get(), "while a stats client trickles"));
  }
  const auto held = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(held, milliseconds(25000));
  EXPECT_EQ(wait_for_stats_connections(stats_, 0), 0u);
  expect_relaying_intact("after the trickling client");
}

TEST_F(StatsHostile, TenThousandRequestsLeaveRelayingAndDescriptorsIntact) {
  constexpr int kThreads = 4;
  constexpr int kEach = 2500;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const char* path = (i % 3 == 0) ? "/metrics" : (i % 3 == 1) ? "/status.json" : "/";
        if (http_get(stats_, path).status == 200) ++ok;
        (void)t;
      }
    });
  }
  // Relaying meanwhile.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(echoes(relay_.get(), "during " + std::to_string(i)));
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  expect_relaying_intact("after 10,000 requests");
  const std::string text = wait_for_metric(stats_, "sockd_relays_active", 1);
  EXPECT_EQ(metric_value(text, "sockd_relays_active"), 1) << text;
  EXPECT_EQ(metric_value(text, "sockd_relays_total"), 2);
  // Closed connections are released within a sweep (250 ms).
  EXPECT_EQ(wait_for_stats_connections(stats_, 0), 0u);
}

}  // namespace
}  // namespace socks4::test
