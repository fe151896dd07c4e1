// The one registry of sockets with SOCKS state: its lock-free counts, copies for dup(2), the
// inode check against reused descriptors, and the side socket of a BIND negotiated ahead.
#include "socks4/client_registry.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "socks4/client_ops.h"
#include "socks4/unique_fd.h"

namespace socks4::client {
namespace {

UniqueFd tcp_socket() {
  return UniqueFd(socket(AF_INET, SOCK_STREAM, 0));
}

TrackedSocket relayed_to(uint16_t port) {
  TrackedSocket socket;
  socket.purpose = Purpose::kRelayed;
  auto* peer = reinterpret_cast<sockaddr_in*>(&socket.peer);
  peer->sin_family = AF_INET;
  peer->sin_port = htons(port);
  peer->sin_addr.s_addr = htonl(0xC6336402);  // 198.51.100.2
  socket.peer_length = sizeof(sockaddr_in);
  return socket;
}

TEST(ClientRegistry, CountsFollowTheEntries) {
  UniqueFd fd = tcp_socket();
  ASSERT_TRUE(fd);
  ASSERT_FALSE(any_tracked());
  ASSERT_TRUE(track(fd.get(), relayed_to(21)));
  EXPECT_TRUE(any_tracked());
  EXPECT_FALSE(any_pending());  // a relayed stream has nothing left to drive
  EXPECT_EQ(drive(fd.get()), Progress::kDone);
  forget(fd.get());
  EXPECT_FALSE(any_tracked());
}

TEST(ClientRegistry, APendingNegotiationIsCountedUntilForgotten) {
  UniqueFd fd = tcp_socket();
  TrackedSocket socket;
  socket.negotiation.emplace(std::vector<ServerEndpoint>{}, std::vector<uint8_t>{1, 2},
                             ClientTimeouts{});
  ASSERT_TRUE(track(fd.get(), std::move(socket)));
  EXPECT_TRUE(any_pending());
  forget(fd.get());
  EXPECT_FALSE(any_pending());
  EXPECT_FALSE(any_tracked());
}

TEST(ClientRegistry, ADupShowsTheSamePeer) {
  UniqueFd fd = tcp_socket();
  ASSERT_TRUE(track(fd.get(), relayed_to(2121)));
  UniqueFd copy(dup(fd.get()));
  copy_tracked(fd.get(), copy.get());
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  ASSERT_EQ(peer_name(copy.get(), reinterpret_cast<sockaddr*>(&peer), &length), 0);
  EXPECT_EQ(ntohs(peer.sin_port), 2121);
  EXPECT_EQ(ntohl(peer.sin_addr.s_addr), 0xC6336402u);
  forget(fd.get());
  forget(copy.get());
  EXPECT_FALSE(any_tracked());
}

TEST(ClientRegistry, AReusedDescriptorIsNotTheTrackedSocket) {
  UniqueFd fd = tcp_socket();
  const int number = fd.get();
  ASSERT_TRUE(track(number, relayed_to(80)));
  fd.reset();  // closed behind the registry's back
  UniqueFd other(socket(AF_INET, SOCK_STREAM, 0));
  ASSERT_EQ(other.get(), number);  // the lowest free number again
  EXPECT_FALSE(with_tracked(number, [](TrackedSocket&) {}));
  EXPECT_FALSE(any_tracked());
}

TEST(ClientRegistry, ForgettingARecordedBindClosesTheSocketOfItsBindAhead) {
  UniqueFd fd = tcp_socket();
  int side = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(side, 0);
  TrackedSocket recorded;
  recorded.purpose = Purpose::kBindDeferred;
  recorded.side_fd = side;
  ASSERT_TRUE(track(fd.get(), std::move(recorded)));
  EXPECT_FALSE(any_pending());  // its negotiation runs on the side socket, not on fd
  forget(fd.get());
  EXPECT_EQ(fcntl(side, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace socks4::client
