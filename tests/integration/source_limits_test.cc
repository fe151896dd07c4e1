// Per-source limits: one client address cannot take the whole server. Requests still in
// negotiation (max_negotiations_per_source) and connections (max_connections_per_source) are
// counted per client address across all threads; a client over a limit is answered 91 at once,
// and the log says why without one line per refused client.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include "../support/bind_client.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};
const std::vector<uint8_t> kHalfRequest{4, 1};  // VN and CD; the rest never comes

// Waits (bounded) until `count` of `fds` are readable (a reply or a close); returns how many are.
size_t wait_answered(const std::vector<UniqueFd>& fds, size_t count, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::vector<pollfd> polls;
    for (const UniqueFd& fd : fds) polls.push_back({fd.get(), POLLIN, 0});
    const size_t ready = static_cast<size_t>(poll(polls.data(), polls.size(), 0));
    if (ready >= count || Clock::now() >= deadline) return ready;
    poll(nullptr, 0, 20);
  }
}

// A CONNECT through sockd from `source_ip`; the reply's code, or nullopt.
std::optional<ReplyCode> connect_from_source(const std::string& source_ip, uint16_t sockd_port,
                                             uint16_t destination, UniqueFd* keep) {
  *keep = connect_from(source_ip, "127.0.0.1", sockd_port);
  if (!*keep || !send_all(keep->get(), connect_request("127.0.0.1", destination))) {
    return std::nullopt;
  }
  auto reply = read_reply(keep->get());
  if (!reply) return std::nullopt;
  return reply->code;
}

// The refusals a log accounts for: one per "-> rejected" line, N per "ADDR: N more clients
// refused" line.
long refusals_logged(const SockdProcess& sockd, const std::string& directive) {
  long total = 0;
  for (const std::string& line : sockd.log_lines_with({"(" + directive + ")"})) {
    if (line.find("-> rejected") != std::string::npos) {
      ++total;
    } else if (size_t more = line.find(" more clients refused"); more != std::string::npos) {
      const size_t number = line.rfind(' ', more - 1) + 1;
      total += std::stol(line.substr(number, more - number));
    }
  }
  return total;
}

class SourceLimits : public SockdTest {
 protected:
  LoopbackServer echo_{echo_handler};
};

TEST_F(SourceLimits, FloodOfHalfSentRequestsFromOneAddressLeavesOthersServed) {
  // 256 descriptors: a flood of this size used to take every one of them. The default
  // max_negotiations_per_source is an eighth of the descriptor limit: 32.
  constexpr int kDescriptorLimit = 256;
  constexpr size_t kHeld = kDescriptorLimit / 8;
  constexpr size_t kFlood = 300;
  SockdOptions options;
  options.command_prefix = {"prlimit", "--nofile=" + std::to_string(kDescriptorLimit) + ":" +
                                           std::to_string(kDescriptorLimit)};
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  std::vector<UniqueFd> flood;
  for (size_t i = 0; i < kFlood; ++i) {
    UniqueFd fd = connect_from("127.0.0.2", "127.0.0.1", port());
    ASSERT_TRUE(fd) << i;
    ASSERT_TRUE(send_all(fd.get(), kHalfRequest)) << i;
    flood.push_back(std::move(fd));
  }
  // Every flood client over the limit is answered at once; the others wait for their timeout.
  const size_t answered = wait_answered(flood, kFlood - kHeld, kBound);
  EXPECT_EQ(answered, kFlood - kHeld) << sockd().log();
  for (UniqueFd& fd : flood) {
    pollfd p{fd.get(), POLLIN, 0};
    if (poll(&p, 1, 0) != 1) continue;
    auto reply = read_reply(fd.get());
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->code, ReplyCode::kRejected);
  }

  // Another address is served, at once, while the flood holds its share.
  const auto begun = Clock::now();
  UniqueFd bystander;
  EXPECT_EQ(connect_from_source("127.0.0.1", port(), echo_.port(), &bystander),
            std::optional(ReplyCode::kGranted))
      << sockd().log();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - begun);
  std::cout << "[ measure  ] " << answered << " of " << kFlood
            << " flood clients answered 91; the other address got its reply in " << took.count()
            << " ms\n";
  EXPECT_LT(took, milliseconds(2000));
  if (bystander) {
    EXPECT_TRUE(echoes(bystander.get(), "served"));
  }

  // The log: not a line per refused client, yet every refusal is counted once the flood ends.
  const size_t lines = sockd().log_lines_with({"(max_negotiations_per_source)"}).size();
  EXPECT_LE(lines, 3u) << sockd().log();
  flood.clear();
  EXPECT_TRUE(sockd().wait_for_log("not logged one by one", kBound)) << sockd().log();
  EXPECT_EQ(refusals_logged(sockd(), "max_negotiations_per_source"),
            static_cast<long>(kFlood - kHeld))
      << sockd().log();
}

TEST_F(SourceLimits, ConnectionsPerSourceAreBounded) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("max_connections_per_source 3\npermit 127.0.0.0 255.0.0.0\n")));
  std::vector<UniqueFd> held(3);
  for (UniqueFd& fd : held) {
    ASSERT_EQ(connect_from_source("127.0.0.2", port(), echo_.port(), &fd),
              std::optional(ReplyCode::kGranted));
  }
  UniqueFd over;
  EXPECT_EQ(connect_from_source("127.0.0.2", port(), echo_.port(), &over),
            std::optional(ReplyCode::kRejected));
  EXPECT_EQ(sockd()
                .log_lines_with({"127.0.0.2:",
                                 "refused: 3 connections from 127.0.0.2 already "
                                 "(max_connections_per_source) -> rejected"})
                .size(),
            1u)
      << sockd().log();
  UniqueFd other;
  EXPECT_EQ(connect_from_source("127.0.0.1", port(), echo_.port(), &other),
            std::optional(ReplyCode::kGranted));
  for (UniqueFd& fd : held) EXPECT_TRUE(echoes(fd.get(), "still served"));

  // One leaves: its place is free once its close line is written.
  held.pop_back();
  ASSERT_TRUE(sockd().wait_for_log(" close 127.0.0.1:" + std::to_string(echo_.port()), kBound))
      << sockd().log();
  UniqueFd again;
  EXPECT_EQ(connect_from_source("127.0.0.2", port(), echo_.port(), &again),
            std::optional(ReplyCode::kGranted))
      << sockd().log();
}

TEST_F(SourceLimits, NegotiationsPerSourceCountOnlyUnfinishedRequests) {
  SockdOptions options = with_config("max_negotiations_per_source 2\npermit 127.0.0.0 255.0.0.0\n");
  options.extra_args.push_back("-d");  // "ADDR:PORT connected" once a client is counted
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  std::vector<UniqueFd> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(connect_from("127.0.0.2", "127.0.0.1", port()));
    ASSERT_TRUE(slow.back());
    ASSERT_TRUE(send_all(slow.back().get(), kHalfRequest));
    // Two workers accept in any order: wait until sockd holds this one before the next.
    const std::string peer = "127.0.0.2:" + std::to_string(local_port(slow.back().get()));
    ASSERT_TRUE(sockd().wait_for_log(peer + " connected", kBound)) << sockd().log();
  }
  UniqueFd over;
  EXPECT_EQ(connect_from_source("127.0.0.2", port(), echo_.port(), &over),
            std::optional(ReplyCode::kRejected))
      << sockd().log();
  EXPECT_FALSE(sockd()
                   .log_lines_with({"refused: 2 requests from 127.0.0.2 in negotiation already "
                                    "(max_negotiations_per_source) -> rejected"})
                   .empty())
      << sockd().log();

  // A slow one finishes its request: it is served, and no longer counts.
  const std::vector<uint8_t> request = connect_request("127.0.0.1", echo_.port());
  ASSERT_TRUE(send_all(slow[0].get(), std::span(request).subspan(kHalfRequest.size())));
  auto reply = read_reply(slow[0].get());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kGranted);
  UniqueFd next;
  EXPECT_EQ(connect_from_source("127.0.0.2", port(), echo_.port(), &next),
            std::optional(ReplyCode::kGranted))
      << sockd().log();
}

}  // namespace
}  // namespace socks4::test
