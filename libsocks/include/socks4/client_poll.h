// poll(2) and select(2) that never report a socket ready while its SOCKS negotiation is
// pending: such sockets are polled for what the negotiation waits for and driven forward, and
// shown to the caller only once it is over (writable when connected, error when failed, and
// readable for a BIND whose inbound connection arrived). Same contracts as poll and select.
#pragma once

#include <poll.h>
#include <sys/select.h>

namespace socks4::client {

int poll_sockets(pollfd* fds, nfds_t count, int timeout_ms);
int select_sockets(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                   timeval* timeout);

}  // namespace socks4::client
