// Binds the listening sockets before anything else starts: one socket per worker thread for
// each address, all with SO_REUSEPORT on the same port, so the kernel spreads clients. Or takes
// the sockets systemd passed (socket activation): one per address, shared by the workers.
#pragma once

#include <string>
#include <vector>

#include "conf/sockd_conf.h"
#include "endpoint.h"
#include "socks4/unique_fd.h"

namespace sockd {

struct BoundAddress {
  Endpoint endpoint;                      // with the real port (port 0 resolved)
  std::vector<socks4::UniqueFd> sockets;  // one per worker
  bool proxy_protocol = false;            // `listen ... proxy_protocol`
};

// Returns false with `error` ("cannot listen on 127.0.0.1:1080: Address already in use"), also
// when another process (another sockd too) already listens on one of the addresses.
bool bind_listen_sockets(const std::vector<socks4::conf::ListenAddress>& addresses, int copies,
                         std::vector<BoundAddress>* bound, std::string* error);

// Sockets passed by the service manager: each must be a listening IPv4 or IPv6 TCP socket.
// Every worker gets a duplicate of each (they share its queue). False with `error` otherwise.
// A passed socket bound where a `listen ... proxy_protocol` line of `configured` says (same
// address and port) takes PROXY headers.
bool adopt_listen_sockets(const std::vector<int>& passed, int copies,
                          const std::vector<socks4::conf::ListenAddress>& configured,
                          std::vector<BoundAddress>* bound, std::string* error);

}  // namespace sockd
