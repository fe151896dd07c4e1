// The kernel's accept queue of a listening port, read from /proc/net/tcp{,6}: the connections
// whose handshake completed but which the listener has not accepted yet. A test waits for it to
// drain to know that sockd has taken its clients, instead of sleeping.
#pragma once

#include <chrono>
#include <cstdint>

namespace socks4::test {

// Connections waiting in the accept queues of every socket listening on TCP `port` (sockd has
// one per thread, SO_REUSEPORT); -1 if /proc/net/tcp cannot be read or none listens there.
int listen_queue_length(uint16_t port);

// Waits (bounded) until nothing waits in `port`'s accept queues; returns the last length seen.
int wait_for_empty_listen_queue(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace socks4::test
