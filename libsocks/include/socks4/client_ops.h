// The client operations behind the C ABI of socks.h, for C++ callers (the C wrappers, the
// LD_PRELOAD layer). Those returning int behave as the system call they stand for (a result
// >= 0, or -1 with errno set); those returning an Outcome say what they did (client_outcome.h).
// They may throw std::bad_alloc; the C ABI wrappers catch it.
#pragma once

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "socks4/client_outcome.h"

namespace socks4::client {

// connect(2) routed by socks.conf, once: deny (or unusable settings) -> ECONNREFUSED, direct ->
// the real connect, sockd -> CONNECT through the servers in order, and the socket registered
// (client_registry.h). A fake address (client_names.h) becomes a 4a CONNECT by name.
// Non-blocking sockets get EINPROGRESS (pending), then EALREADY while pending and EISCONN after
// (or the error, once).
Outcome connect_socket(int fd, const sockaddr* address, socklen_t length);
// Whether unusable settings (ClientContext::refusal) refuse a connect to `address` outright:
// any IPv4 or IPv6 destination but loopback. Callers fail with ECONNREFUSED.
bool refused_by_settings(int fd, const sockaddr* address, socklen_t length);
// The same for a destination known by name: a 4a CONNECT when routed through a server, a local
// lookup when direct. `port` in host byte order.
Outcome connect_socket_to_name(int fd, const std::string& name, uint16_t port);

// bind(2): after a CONNECT through a server, binding a TCP socket to port 0 is only recorded:
// listen(2) (or getsockname(2), asking for the port to announce) sends a BIND request instead
// (DSTIP = the last CONNECT's destination) to the same server, and a connect(2) makes it a
// plain bind first.
Outcome bind_socket(int fd, const sockaddr* address, socklen_t length);
// connect(2) on a socket whose bind was recorded: makes that bind real (0, or -1 and errno).
int complete_deferred_bind(int fd);
// getsockname(2): for a SOCKS-bound socket, the address the server listens on.
int socket_name(int fd, sockaddr* address, socklen_t* length);
// getpeername(2): for a socket through a server, the destination (not the server); by name,
// the address the server connected to once its reply named it.
int peer_name(int fd, sockaddr* address, socklen_t* length);
Outcome listen_socket(int fd, int backlog);
// accept4(2): for a SOCKS-bound socket, waits for the second reply and returns a descriptor
// of the relayed stream, with the application server as peer (one connection per BIND).
Outcome accept_socket(int fd, sockaddr* address, socklen_t* length, int flags);
// getsockopt(2): SO_ERROR reports a failed SOCKS negotiation once.
int socket_option(int fd, int level, int name, void* value, socklen_t* length);

// gethostbyname(3) / getaddrinfo(3): local lookups, except for names left to the SOCKS server
// (a socks.conf name line routes them through a server, or the local resolver does not know
// them and they may go through one): those get a fake address (client_names.h) that
// connect_socket turns back into a 4a CONNECT. getaddrinfo results are freed with freeaddrinfo.
hostent* host_by_name(const char* name);
int address_info(const char* node, const char* service, const addrinfo* hints, addrinfo** result);

// rcmd(3) through the SOCKS server (stderr channel through BIND); `port` in network order.
int remote_command(char** host, unsigned short port, const char* local_user,
                   const char* remote_user, const char* command, int* error_fd);

}  // namespace socks4::client
