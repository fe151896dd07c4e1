// Data integrity under volume: a GiB of pseudo-random data each way at once, through a CONNECT
// relay and through a BIND relay, with the half-close coming first from one side and then more
// data flowing the other way. Both ends check every byte (checksum and count).
// Smaller in sanitizer builds (load_scale.h).
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "../support/bind_client.h"
#include "../support/duplex_transfer.h"
#include "../support/load_scale.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

const size_t kVolume = load_size<size_t>(size_t{1} << 30, size_t{64} << 20, size_t{1} << 30);
constexpr size_t kTail = 4u << 20;  // sent after the other side's EOF
constexpr milliseconds kBound{600000};

void expect_intact(const char* who, const DuplexResult& got, const DuplexPlan& other_side) {
  EXPECT_TRUE(got.clean_eof) << who << ": " << got.error;
  EXPECT_TRUE(got.sent_all) << who << ": " << got.error;
  Checksum expected = expected_from(other_side);
  EXPECT_EQ(got.received.bytes(), expected.bytes()) << who;
  EXPECT_EQ(got.received.value(), expected.value()) << who;
}

// Runs both plans at once on two connected sockets and checks both directions.
void run_both(int client_fd, int peer_fd, const DuplexPlan& client_plan,
              const DuplexPlan& peer_plan, const char* what) {
  const auto begun = Clock::now();
  auto peer = std::async(std::launch::async, [&] { return run_duplex(peer_fd, peer_plan); });
  DuplexResult client = run_duplex(client_fd, client_plan);
  ASSERT_EQ(peer.wait_for(kBound), std::future_status::ready);
  DuplexResult server = peer.get();
  const double seconds =
      std::chrono::duration_cast<milliseconds>(Clock::now() - begun).count() / 1000.0;
  expect_intact("client", client, peer_plan);
  expect_intact("peer", server, client_plan);
  std::cout << "[ measure  ] " << what << ": " << (kVolume >> 20) << " MiB each way in " << seconds
            << " s\n";
}

class LoadIntegrity : public SockdTest {};

TEST_F(LoadIntegrity, ConnectGiBEachWayClientHalfClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  std::promise<UniqueFd> accepted;
  std::promise<void> done;
  LoopbackServer peer([&](int fd) {
    accepted.set_value(UniqueFd(dup(fd)));
    done.get_future().wait();  // keep the handler (and its fd) until the transfer is over
  });
  UniqueFd client = open_relay(port(), connect_request("127.0.0.1", peer.port()));
  ASSERT_TRUE(client);
  auto future = accepted.get_future();
  ASSERT_EQ(future.wait_for(milliseconds(10000)), std::future_status::ready);
  UniqueFd peer_fd = future.get();
  set_io_timeout(peer_fd.get(), kIoTimeout);
  run_both(client.get(), peer_fd.get(), {101, kVolume, 0}, {102, kVolume, kTail}, "CONNECT");
  peer_fd.reset();
  done.set_value();
  EXPECT_TRUE(sockd().wait_for_log("close 127.0.0.1:", milliseconds(5000)));
}

TEST_F(LoadIntegrity, BindGiBEachWayApplicationServerHalfClosesFirst) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  LoopbackServer app(echo_handler);
  UniqueFd primary = open_relay(port(), connect_request("127.0.0.1", app.port()));
  ASSERT_TRUE(primary) << "the primary CONNECT was refused";
  UniqueFd client = send_request(port(), bind_request("127.0.0.1", 20));
  ASSERT_TRUE(client);
  auto first = read_reply(client.get());
  ASSERT_TRUE(first);
  ASSERT_EQ(first->code, ReplyCode::kGranted);
  UniqueFd inbound = connect_from("127.0.0.1", reply_ip(*first), first->port);
  ASSERT_TRUE(inbound);
  auto second = read_reply(client.get());
  ASSERT_TRUE(second);
  ASSERT_EQ(second->code, ReplyCode::kGranted);
  run_both(client.get(), inbound.get(), {201, kVolume, kTail}, {202, kVolume, 0}, "BIND");
}

}  // namespace
}  // namespace socks4::test
