// The relayed two-way transfer (see relay_transfer.h).
#include "relay_transfer.h"

#include <gtest/gtest.h>

#include <future>
#include <optional>

#include "loopback_server.h"
#include "socks_client.h"

namespace socks4::test {

void check_relayed_transfer(uint16_t sockd_port, const DuplexPlan& client_plan,
                            const DuplexPlan& peer_plan, std::chrono::milliseconds bound) {
  std::promise<DuplexResult> peer_result;
  LoopbackServer peer([&](int fd) { peer_result.set_value(run_duplex(fd, peer_plan)); });
  std::optional<Reply> reply;
  UniqueFd fd = open_relay(sockd_port, connect_request("127.0.0.1", peer.port()), &reply);
  ASSERT_TRUE(fd) << "reply: " << (reply ? static_cast<int>(reply->code) : -1);
  DuplexResult client = run_duplex(fd.get(), client_plan);
  auto future = peer_result.get_future();
  ASSERT_EQ(future.wait_for(bound), std::future_status::ready);
  DuplexResult server = future.get();

  EXPECT_TRUE(client.clean_eof) << client.error;
  EXPECT_TRUE(client.sent_all) << client.error;
  EXPECT_TRUE(server.clean_eof) << server.error;
  EXPECT_TRUE(server.sent_all) << server.error;
  const Checksum to_client = expected_from(peer_plan), to_peer = expected_from(client_plan);
  EXPECT_EQ(client.received.bytes(), to_client.bytes());
  EXPECT_EQ(client.received.value(), to_client.value());
  EXPECT_EQ(server.received.bytes(), to_peer.bytes());
  EXPECT_EQ(server.received.value(), to_peer.value());
}

}  // namespace socks4::test
