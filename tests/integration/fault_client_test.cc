// The client library when its SOCKS server fails: down, refusing, a port that drops SYNs, a
// server that accepts and then stalls, half-answers, hangs up or answers garbage, a sockd that
// stops. Each call ends within the configured time with a clear errno, never a hang, and a
// server list fails over to the next server, call after call, from several threads at once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "../support/full_backlog.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "client_fake_socks.h"
#include "sockd_fixture.h"
#include "socks.h"
#include "socks4/client_context.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kConnectMs = 400;
constexpr int kReplyMs = 600;
constexpr milliseconds kSlack{3000};       // scheduling on a busy 2-core box; a hang is minutes
constexpr uint32_t kTestNet = 0xc000020a;  // 192.0.2.10: only a scripted server ever sees it

// Routes every destination (loopback included) through `servers`, in order.
void route_through(const std::vector<uint16_t>& servers, bool trace = false) {
  client::ClientContext ctx;
  ctx.env.username = "tester";
  ctx.env.debug = trace;  // SOCKS_DEBUG: the library traces each server it tries on stderr
  std::string list;
  for (uint16_t port : servers)
    list += (list.empty() ? "" : ",") + ("127.0.0.1:" + std::to_string(port));
  client::ConfParse parsed = client::parse_socks_conf(
      "sockd @=" + list + " 127.0.0.1 255.255.255.255\nsockd @=" + list + " 0.0.0.0 0.0.0.0\n",
      "fault.conf");
  ASSERT_TRUE(parsed.config.has_value());
  ctx.config = parsed.config;
  ctx.timeouts.server_connect_ms = kConnectMs;
  ctx.timeouts.reply_ms = kReplyMs;
  client::replace_context(ctx);
}

struct Attempt {
  int result = 0;
  int error = 0;
  milliseconds took{0};
  UniqueFd fd;
};

Attempt rconnect(uint32_t ip, uint16_t port) {
  Attempt attempt;
  attempt.fd.reset(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address = make_address(ip, port);
  const auto begun = Clock::now();
  attempt.result =
      Rconnect(attempt.fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  attempt.error = errno;
  attempt.took = std::chrono::duration_cast<milliseconds>(Clock::now() - begun);
  return attempt;
}

// A scripted server: reads the request, then does `act` with the socket.
LoopbackServer::Handler after_request(std::function<void(int)> act) {
  return [act](int fd) {
    char request[512];
    if (recv(fd, request, sizeof request, 0) > 0) act(fd);
  };
}

TEST(FaultClient, ServerDroppingSynsTimesOutWithinTheConnectTime) {
  FullBacklogListener blackhole;
  ASSERT_TRUE(blackhole.ok());
  ASSERT_NO_FATAL_FAILURE(route_through({blackhole.port()}));
  Attempt attempt = rconnect(kTestNet, 80);
  EXPECT_EQ(attempt.result, -1);
  EXPECT_EQ(attempt.error, ETIMEDOUT) << strerror(attempt.error);
  EXPECT_GE(attempt.took, milliseconds(kConnectMs - 50));
  EXPECT_LT(attempt.took, milliseconds(kConnectMs) + kSlack);
}

struct BrokenServer {
  const char* name;
  std::function<void(int)> act;
  int expected_errno;
  int bound_ms;
};

class FaultClientBrokenServer : public ::testing::TestWithParam<BrokenServer> {};

TEST_P(FaultClientBrokenServer, GivesAClearErrorWithinTheReplyTime) {
  LoopbackServer server(after_request(GetParam().act));
  ASSERT_NO_FATAL_FAILURE(route_through({server.port()}));
  Attempt attempt = rconnect(kTestNet, 80);
  EXPECT_EQ(attempt.result, -1);
  EXPECT_EQ(attempt.error, GetParam().expected_errno) << strerror(attempt.error);
  EXPECT_LT(attempt.took, milliseconds(GetParam().bound_ms) + kSlack);
}

INSTANTIATE_TEST_SUITE_P(
    Servers, FaultClientBrokenServer,
    ::testing::Values(
        BrokenServer{"Stalls", [](int fd) { wait_for_close(fd, milliseconds(kReplyMs * 4)); },
                     ETIMEDOUT, kReplyMs},
        BrokenServer{"HalfAReply",
                     [](int fd) {
                       send_all(fd, std::string("\0\x5a\0", 3));
                       wait_for_close(fd, milliseconds(kReplyMs * 4));
                     },
                     ETIMEDOUT, kReplyMs},
        BrokenServer{"HangsUp", [](int) {}, ECONNRESET, 0},
        BrokenServer{"AnswersHttp",
                     [](int fd) { send_all(fd, "HTTP/1.0 400 Bad Request\r\n\r\n"); }, EPROTO, 0},
        BrokenServer{"Rejects", [](int fd) { send_all(fd, std::string("\0\x5b\0\0\0\0\0\0", 8)); },
                     ECONNREFUSED, 0}),
    [](const ::testing::TestParamInfo<BrokenServer>& info) { return info.param.name; });

class FaultClientSockd : public SockdTest {
 protected:
  // Echoes one message through the relay on `fd`.
  static bool echoes(int fd) {
    set_io_timeout(fd, milliseconds(5000));
    return socks4::test::echoes(fd, "ping");
  }
  LoopbackServer echo_{echo_handler};
};

TEST_F(FaultClientSockd, DenyingSockdIsConnectionRefused) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("deny 0.0.0.0/0\n")));
  ASSERT_NO_FATAL_FAILURE(route_through({port()}));
  Attempt attempt = rconnect(INADDR_LOOPBACK, echo_.port());
  EXPECT_EQ(attempt.result, -1);
  EXPECT_EQ(attempt.error, ECONNREFUSED);
  EXPECT_TRUE(sockd().wait_for_log("denied by rule", milliseconds(3000)));
  EXPECT_EQ(echo_.accepted(), 0);
}

TEST_F(FaultClientSockd, ServerListFailsOverCallAfterCall) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  FullBacklogListener blackhole;
  ASSERT_TRUE(blackhole.ok());
  // Down (refuses), silent (drops SYNs), then the working sockd.
  ASSERT_NO_FATAL_FAILURE(route_through({testing::refused_port(), blackhole.port(), port()}));
  for (int i = 0; i < 10; ++i) {
    Attempt attempt = rconnect(INADDR_LOOPBACK, echo_.port());
    ASSERT_EQ(attempt.result, 0) << "call " << i << ": " << strerror(attempt.error);
    EXPECT_TRUE(echoes(attempt.fd.get())) << i;
    EXPECT_LT(attempt.took, milliseconds(kConnectMs) + kSlack) << i;
  }
  // The same from several threads at once.
  std::vector<std::future<bool>> threads;
  for (int t = 0; t < 4; ++t) {
    threads.push_back(std::async(std::launch::async, [&] {
      bool all = true;
      for (int i = 0; i < 5; ++i) {
        Attempt attempt = rconnect(INADDR_LOOPBACK, echo_.port());
        all = all && attempt.result == 0 && echoes(attempt.fd.get());
      }
      return all;
    }));
  }
  for (auto& thread : threads) EXPECT_TRUE(thread.get());
  EXPECT_EQ(sockd().log_lines_with({"-> granted"}).size(), 30u);
}

// Points this process's stderr at a pipe while alive, to read the library's trace.
class CapturedStderr {
 public:
  CapturedStderr() {
    if (pipe2(pipe_, O_NONBLOCK | O_CLOEXEC) != 0) return;
    fcntl(pipe_[1], F_SETPIPE_SZ, 1 << 20);
    saved_ = dup(STDERR_FILENO);
    dup2(pipe_[1], STDERR_FILENO);
  }
  ~CapturedStderr() {
    if (saved_ >= 0) dup2(saved_, STDERR_FILENO);
    for (int fd : {saved_, pipe_[0], pipe_[1]})
      if (fd >= 0) close(fd);
  }
  std::string take() {
    std::string out;
    char chunk[4096];
    ssize_t n;
    while ((n = read(pipe_[0], chunk, sizeof chunk)) > 0) out.append(chunk, static_cast<size_t>(n));
    return out;
  }

 private:
  int pipe_[2] = {-1, -1};
  int saved_ = -1;
};

size_t lines_ending_with(const std::string& text, const std::string& tail) {
  size_t count = 0;
  for (size_t at = text.find(tail + "\n"); at != std::string::npos;
       at = text.find(tail + "\n", at + 1))
    ++count;
  return count;
}

// The process remembers the silent server: only the first call waits for it; the others go
// to the working server first (the silent one would still be tried if that failed).
TEST_F(FaultClientSockd, ASilentServerIsWaitedForOnceThenTriedLast) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  FullBacklogListener blackhole;
  ASSERT_TRUE(blackhole.ok());
  ASSERT_NO_FATAL_FAILURE(route_through({blackhole.port(), port()}, true));
  std::string trace;
  {
    CapturedStderr captured;
    for (int i = 0; i < 5; ++i) {
      Attempt attempt = rconnect(INADDR_LOOPBACK, echo_.port());
      ASSERT_EQ(attempt.result, 0) << "call " << i << ": " << strerror(attempt.error);
      EXPECT_TRUE(echoes(attempt.fd.get())) << i;
    }
    trace = captured.take();
  }
  const std::string trying = "connecting to SOCKS server 127.0.0.1:";
  EXPECT_EQ(lines_ending_with(trace, trying + std::to_string(blackhole.port())), 1u) << trace;
  EXPECT_EQ(lines_ending_with(trace, trying + std::to_string(port())), 5u) << trace;
  EXPECT_EQ(sockd().log_lines_with({"-> granted"}).size(), 5u);
}

TEST_F(FaultClientSockd, StoppedSockdFailsOverToTheNext) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  SockdProcess second;
  ASSERT_TRUE(second.start()) << second.error();
  ASSERT_NO_FATAL_FAILURE(route_through({port(), second.port()}));
  Attempt first = rconnect(INADDR_LOOPBACK, echo_.port());
  ASSERT_EQ(first.result, 0) << strerror(first.error);
  EXPECT_TRUE(echoes(first.fd.get()));
  ASSERT_EQ(sockd().process().stop(), 0);  // SIGTERM: exits 0
  for (int i = 0; i < 5; ++i) {
    Attempt attempt = rconnect(INADDR_LOOPBACK, echo_.port());
    ASSERT_EQ(attempt.result, 0) << strerror(attempt.error);
    EXPECT_TRUE(echoes(attempt.fd.get()));
  }
  EXPECT_EQ(second.log_lines_with({"-> granted"}).size(), 5u);
  // With both down, the error is the last server's, at once.
  ASSERT_EQ(second.process().stop(), 0);
  Attempt none = rconnect(INADDR_LOOPBACK, echo_.port());
  EXPECT_EQ(none.result, -1);
  EXPECT_EQ(none.error, ECONNREFUSED);
}

TEST(FaultClient, NonBlockingConnectToASilentServerFailsWithinTheConnectTime) {
  FullBacklogListener blackhole;
  ASSERT_TRUE(blackhole.ok());
  ASSERT_NO_FATAL_FAILURE(route_through({blackhole.port()}));
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  sockaddr_in address = make_address(kTestNet, 80);
  const auto begun = Clock::now();
  ASSERT_EQ(Rconnect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), -1);
  ASSERT_EQ(errno, EINPROGRESS);
  pollfd p{fd.get(), POLLOUT, 0};
  int ready = 0;
  while (ready == 0 && Clock::now() - begun < milliseconds(kConnectMs) + kSlack)
    ready = Rpoll(&p, 1, 100);
  ASSERT_EQ(ready, 1) << "still pending";
  int error = 0;
  socklen_t length = sizeof error;
  ASSERT_EQ(Rgetsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length), 0);
  EXPECT_EQ(error, ETIMEDOUT) << strerror(error);
}

}  // namespace
}  // namespace socks4::test
