// The test harness itself, without sockd: a transfer straight to the peer must pass the same
// checks the relay tests apply, and the checks must notice damage.
#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "../support/byte_stream.h"
#include "../support/child_process.h"
#include "../support/duplex_transfer.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

TEST(Harness, StreamDoesNotDependOnChunking) {
  std::vector<uint8_t> whole(1000), pieces(1000);
  ByteStream(7).fill(whole);
  ByteStream chunked(7);
  for (size_t at = 0; at < pieces.size(); at += 3)
    chunked.fill(std::span(pieces).subspan(at, std::min<size_t>(3, pieces.size() - at)));
  EXPECT_EQ(whole, pieces);
  EXPECT_NE(checksum_of_stream(7, 1000).value(), checksum_of_stream(8, 1000).value());
}

TEST(Harness, ChecksumNoticesOneChangedByte) {
  std::vector<uint8_t> data(4096);
  ByteStream(3).fill(data);
  Checksum a, b;
  a.add(data);
  data[2000] ^= 1;
  b.add(data);
  EXPECT_NE(a.value(), b.value());
}

TEST(Harness, DirectDuplexTransferWithHalfClose) {
  const DuplexPlan client_plan{1, 4u << 20, 0}, peer_plan{2, 4u << 20, 1u << 20};
  std::promise<DuplexResult> peer_result;
  LoopbackServer peer([&](int fd) { peer_result.set_value(run_duplex(fd, peer_plan)); });
  UniqueFd fd = connect_tcp("127.0.0.1", peer.port());
  ASSERT_TRUE(fd);
  DuplexResult client = run_duplex(fd.get(), client_plan);
  auto future = peer_result.get_future();
  ASSERT_EQ(future.wait_for(milliseconds(30000)), std::future_status::ready);
  DuplexResult server = future.get();
  EXPECT_TRUE(client.clean_eof && client.sent_all) << client.error;
  EXPECT_TRUE(server.clean_eof && server.sent_all) << server.error;
  EXPECT_EQ(client.received.value(), expected_from(peer_plan).value());
  EXPECT_EQ(client.received.bytes(), 5u << 20);
  EXPECT_EQ(server.received.value(), expected_from(client_plan).value());
}

TEST(Harness, RunCommandCapturesAndBoundsTime) {
  CommandResult ok =
      run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(5000));
  EXPECT_EQ(ok.exit_code, 3);
  EXPECT_EQ(ok.out, "out\n");
  EXPECT_EQ(ok.err, "err\n");
  CommandResult slow = run_command({"sleep", "30"}, milliseconds(300));
  EXPECT_TRUE(slow.timed_out);
  EXPECT_EQ(slow.exit_code, -1);
}

TEST(Harness, ChildEnvironmentHasNoProxy) {
  CommandResult r = run_command({"env"}, milliseconds(5000), {{"S4_MARK", "1"}});
  EXPECT_EQ(r.out.find("_proxy="), std::string::npos);
  EXPECT_EQ(r.out.find("_PROXY="), std::string::npos);
  EXPECT_NE(r.out.find("S4_MARK=1"), std::string::npos);
}

TEST(Harness, ClosedPortRefuses) {
  UniqueFd closed = bind_loopback(false);
  ASSERT_TRUE(closed);
  EXPECT_FALSE(connect_tcp("127.0.0.1", local_port(closed.get())));
}

}  // namespace
}  // namespace socks4::test
