// Blocking loopback socket helpers for tests. Every operation is bounded: sockets get
// SO_RCVTIMEO/SO_SNDTIMEO, connects and waits use poll with a deadline.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "socks4/unique_fd.h"

namespace socks4::test {

using std::chrono::milliseconds;

inline constexpr milliseconds kIoTimeout{15000};

uint32_t parse_ipv4(const std::string& dotted);  // host byte order; aborts on bad input
sockaddr_in make_address(uint32_t ip, uint16_t port);

// An IPv4 or IPv6 literal with a port; nullopt if `ip` is neither.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
std::optional<SocketAddress> socket_address(const std::string& ip, uint16_t port);

// A TCP connection from `source` (any port; "" for no bind) to ip:port, IPv4 or IPv6, within
// `timeout`, with SO_RCVTIMEO/SO_SNDTIMEO = io_timeout afterwards. Empty if it failed.
UniqueFd connect_tcp_from(const std::string& source, const std::string& ip, uint16_t port,
                          milliseconds timeout, milliseconds io_timeout);

void set_io_timeout(int fd, milliseconds timeout);

// Connects to ip:port (IPv4, dotted), with SO_RCVTIMEO/SO_SNDTIMEO = io_timeout afterwards.
// Returns an empty fd if the connection failed or did not complete within `timeout`.
UniqueFd connect_tcp(const std::string& ip, uint16_t port,
                     milliseconds timeout = milliseconds(5000),
                     milliseconds io_timeout = kIoTimeout);

// A TCP socket bound to 127.0.0.1 on an ephemeral port; listening if `listen` is true. A bound
// socket that is not listening makes a port that refuses connections for as long as it lives.
UniqueFd bind_loopback(bool listen);
uint16_t local_port(int fd);
// A non-blocking TCP listener on [::1]:port (0: an ephemeral port), SO_REUSEADDR set (past
// TIME_WAIT). Empty if the port is taken or IPv6 is off.
UniqueFd listen_ipv6_loopback(uint16_t port);

bool send_all(int fd, std::span<const uint8_t> data);
bool send_all(int fd, std::string_view data);

// Exactly n bytes, or nullopt on EOF, error or timeout (SO_RCVTIMEO).
std::optional<std::vector<uint8_t>> recv_exact(int fd, size_t n);

// Sends `text` and reads it back: true if the same bytes came back (an echo at the far end).
bool echoes(int fd, std::string_view text);

enum class ReadEnd { kEof, kReset, kTimeout, kLimit };
struct ReadResult {
  std::string data;
  ReadEnd end = ReadEnd::kTimeout;
};
// Reads until EOF/reset, `timeout` in total, or `limit` bytes.
ReadResult read_until_closed(int fd, milliseconds timeout, size_t limit = 16u << 20);

// True if the peer closed (EOF or reset) within `timeout`; data that arrives first is discarded
// into *discarded (if given).
bool wait_for_close(int fd, milliseconds timeout, std::string* discarded = nullptr);

}  // namespace socks4::test
