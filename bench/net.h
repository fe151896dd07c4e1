// Small socket helpers shared by the benchmark's client and server roles. Loopback IPv4 only.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "socks4/unique_fd.h"

namespace socksbench {

using socks4::UniqueFd;

// "A.B.C.D:PORT" -> address; nullopt if malformed.
std::optional<sockaddr_in> parse_endpoint(const std::string& text);

// Monotonic clock in seconds.
double now_seconds();

// Sets the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
long raise_fd_limit();

bool set_nonblocking(int fd);
void set_nodelay(int fd);

// Pending SO_ERROR of a socket (0 when the connect succeeded).
int socket_error(int fd);

// Non-blocking TCP socket with a connect to `to` started; empty on immediate failure.
UniqueFd start_connect(const sockaddr_in& to);

// Blocking connect; empty on failure.
UniqueFd connect_blocking(const sockaddr_in& to);

// Listening socket on 127.0.0.1:port (0 = ephemeral), non-blocking. With `reuse_port`,
// several can share the port (SO_REUSEPORT), the kernel spreading connections among them.
UniqueFd listen_loopback(uint16_t port, int backlog, bool reuse_port = false);
uint16_t local_port(int fd);

// SOCKS4 CONNECT request for `target`, encoded with the project's codec.
std::vector<uint8_t> socks_connect_request(const sockaddr_in& target);

// True if the 8 bytes are a well-formed SOCKS4 reply with code 90 (granted).
bool reply_granted(const uint8_t* reply);

// Sends the CONNECT request and waits for the reply on a blocking socket.
bool socks_handshake_blocking(int fd, const sockaddr_in& target);

}  // namespace socksbench
