// The memory of unreachable SOCKS servers: a failed server goes to the end of the list for
// kRetryAfter, then takes its configured place again; a success forgets the failure.
#include "socks4/client_unreachable.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace socks4::client {
namespace {

using Clock = UnreachableServers::Clock;
constexpr auto kRetry = UnreachableServers::kRetryAfter;

ServerEndpoint server(uint32_t ipv4, uint16_t port, std::string label) {
  ServerEndpoint out;
  out.ipv4 = ipv4;
  out.port = port;
  out.label = std::move(label);
  return out;
}

std::vector<std::string> labels(const std::vector<ServerEndpoint>& servers) {
  std::vector<std::string> out;
  for (const auto& s : servers) out.push_back(s.label);
  return out;
}

std::vector<ServerEndpoint> three() {
  return {server(0xc0000201, 1080, "a"), server(0xc0000202, 1080, "b"),
          server(0xc0000203, 1080, "c")};
}

TEST(UnreachableServers, AFailedServerIsTriedLastUntilTheMarkEnds) {
  UnreachableServers memory;
  const Clock::time_point now = Clock::now();
  memory.mark(0xc0000201, 1080, now);
  std::vector<ServerEndpoint> servers = three();
  memory.order(servers, now + kRetry / 2);
  EXPECT_EQ(labels(servers), (std::vector<std::string>{"b", "c", "a"}));

  servers = three();
  memory.order(servers, now + kRetry + std::chrono::milliseconds(1));
  EXPECT_EQ(labels(servers), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(UnreachableServers, SeveralFailedKeepTheirConfiguredOrderAtTheEnd) {
  UnreachableServers memory;
  const Clock::time_point now = Clock::now();
  memory.mark(0xc0000202, 1080, now);
  memory.mark(0xc0000201, 1080, now);
  std::vector<ServerEndpoint> servers = three();
  memory.order(servers, now);
  EXPECT_EQ(labels(servers), (std::vector<std::string>{"c", "a", "b"}));
}

TEST(UnreachableServers, PortIsPartOfTheServer) {
  UnreachableServers memory;
  const Clock::time_point now = Clock::now();
  memory.mark(0xc0000201, 1081, now);
  EXPECT_TRUE(memory.recently_failed(0xc0000201, 1081, now));
  EXPECT_FALSE(memory.recently_failed(0xc0000201, 1080, now));
}

TEST(UnreachableServers, SuccessAndClearAllForget) {
  UnreachableServers memory;
  const Clock::time_point now = Clock::now();
  memory.mark(0xc0000201, 1080, now);
  memory.mark(0xc0000202, 1080, now);
  memory.clear(0xc0000201, 1080);
  EXPECT_FALSE(memory.recently_failed(0xc0000201, 1080, now));
  EXPECT_TRUE(memory.recently_failed(0xc0000202, 1080, now));
  memory.clear_all();
  EXPECT_FALSE(memory.recently_failed(0xc0000202, 1080, now));
}

TEST(UnreachableServers, AFullTableGivesUpTheMarkThatEndsFirst) {
  UnreachableServers memory;
  const Clock::time_point now = Clock::now();
  for (uint16_t i = 0; i < UnreachableServers::kSlots; ++i)
    memory.mark(0x0a000001, static_cast<uint16_t>(2000 + i), now + std::chrono::seconds(i));
  memory.mark(0x0a000001, 9999, now + std::chrono::seconds(100));
  EXPECT_TRUE(memory.recently_failed(0x0a000001, 9999, now + std::chrono::seconds(100)));
  EXPECT_FALSE(memory.recently_failed(0x0a000001, 2000, now)) << "the oldest mark went";
  EXPECT_TRUE(memory.recently_failed(0x0a000001, 2001, now));
}

TEST(UnreachableServers, MarkingAgainExtendsTheSameSlot) {
  UnreachableServers memory;
  const Clock::time_point now = Clock::now();
  memory.mark(0xc0000201, 1080, now);
  memory.mark(0xc0000201, 1080, now + kRetry);
  EXPECT_TRUE(memory.recently_failed(0xc0000201, 1080, now + kRetry + kRetry / 2));
}

}  // namespace
}  // namespace socks4::client
