// Small facts about an application's socket that routing decisions need.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include "socks4/client_negotiation.h"

namespace socks4::client {

bool is_stream_socket(int fd);
int socket_family(int fd);  // AF_INET, AF_INET6, ...; -1 if unknown
bool is_nonblocking(int fd);

// The IPv4 destination of an AF_INET address or an AF_INET6 v4-mapped one.
std::optional<sockaddr_in> ipv4_destination(const sockaddr* address, socklen_t length);

// Writes an IPv4 address in the form of the socket's family (v4-mapped for AF_INET6).
// Truncates like getsockname(2) and sets *length to the full size.
void store_address(int family, uint32_t ip, uint16_t port, sockaddr* out, socklen_t* length);

// Starts a negotiation and runs it to `until` (done, failed, or for BIND: bound) on a socket,
// waiting with poll(2) up to the negotiation's own deadlines. O_NONBLOCK is set while connecting
// and the socket's flags are restored afterwards. Returns the final progress.
enum class RunUntil { kFinished, kBound };
Progress run_negotiation(int fd, Negotiation& negotiation, RunUntil until);

}  // namespace socks4::client
