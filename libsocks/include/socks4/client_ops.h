// The client operations behind the C ABI of socks.h, for C++ callers (the C wrappers, the
// LD_PRELOAD layer). Each behaves as the system call it stands for: a result >= 0, or -1 with
// errno set. They may throw std::bad_alloc; the C ABI wrappers catch it.
#pragma once

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace socks4::client {

// connect(2) routed by socks.conf: deny (or unusable settings) -> ECONNREFUSED, direct -> the real
// connect, sockd -> CONNECT through the servers in order. Non-blocking sockets get EINPROGRESS,
// then EALREADY while pending and EISCONN after (or the error, once); see client_table.h.
int connect_socket(int fd, const sockaddr* address, socklen_t length);
// Whether unusable settings (ClientContext::refusal) refuse a connect to `address` outright:
// any IPv4 or IPv6 destination but loopback. Callers fail with ECONNREFUSED.
bool refused_by_settings(int fd, const sockaddr* address, socklen_t length);
// The same for a destination known by name (the preload's fake addresses): a 4a CONNECT when
// routed through a server, a local lookup when direct. `port` in host byte order.
int connect_socket_to_name(int fd, const std::string& name, uint16_t port);

// bind(2): after a CONNECT through a server, binding a TCP socket to port 0 sends a BIND
// request instead (DSTIP = the last CONNECT's destination), to the same server.
int bind_socket(int fd, const sockaddr* address, socklen_t length);
// getsockname(2): for a SOCKS-bound socket, the address the server listens on.
int socket_name(int fd, sockaddr* address, socklen_t* length);
int listen_socket(int fd, int backlog);
// accept(2): for a SOCKS-bound socket, waits for the second reply and returns a descriptor
// of the relayed stream, with the application server as peer (one connection per BIND).
int accept_socket(int fd, sockaddr* address, socklen_t* length);
// getsockopt(2): SO_ERROR reports a failed SOCKS negotiation once.
int socket_option(int fd, int level, int name, void* value, socklen_t* length);

// gethostbyname(3) / getaddrinfo(3): local lookups, except for names left to the SOCKS server
// (a socks.conf name line routes them through a server, or the local resolver does not know
// them and they may go through one): those get a placeholder address (client_names.h) that
// connect_socket turns back into a 4a CONNECT. getaddrinfo results are freed with freeaddrinfo.
hostent* host_by_name(const char* name);
int address_info(const char* node, const char* service, const addrinfo* hints, addrinfo** result);

// rcmd(3) through the SOCKS server (stderr channel through BIND); `port` in network order.
int remote_command(char** host, unsigned short port, const char* local_user,
                   const char* remote_user, const char* command, int* error_fd);

}  // namespace socks4::client
