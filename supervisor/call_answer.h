// What the supervisor tells the kernel about one notified system call, and the state the
// handlers share.
#pragma once

#include <cstdint>

#include "bind_sessions.h"
#include "dns_responder.h"
#include "dns_sockets.h"
#include "peer_table.h"
#include "socks4/name_policy.h"
#include "target_process.h"

namespace socks4::supervisor {

struct CallAnswer {
  // Let the kernel run the call as the program made it: only where that cannot take a
  // connection past the SOCKS server (a unix socket, a getsockname, a UDP datagram not for DNS).
  bool proceed = false;
  int64_t value = 0;       // the call's result when error == 0
  int error = 0;           // errno for the program
  bool abandoned = false;  // the program is gone: nothing to answer
};

inline CallAnswer proceed() {
  return CallAnswer{true, 0, 0, false};
}
inline CallAnswer succeed(int64_t value) {
  return CallAnswer{false, value, 0, false};
}
inline CallAnswer fail(int error) {
  return CallAnswer{false, -1, error, false};
}
inline CallAnswer abandon() {
  return CallAnswer{false, 0, 0, true};
}
// A call that cannot be carried out: the error for the program, or nothing when it is gone
// (its memory or descriptors then fail too, and no one waits for the answer).
inline CallAnswer fail_unless_gone(const TargetProcess& target, int error) {
  return target.live() ? fail(error) : abandon();
}
// The supervisor's duplicate of the socket the call names in its first argument; when there is
// none, *answer says what to tell the kernel instead.
inline UniqueFd take_socket_arg(TargetProcess& target, CallAnswer* answer) {
  int error = 0;
  UniqueFd fd = target.take_fd(static_cast<int>(target.call().args[0]), &error);
  if (!fd) *answer = fail_unless_gone(target, error);
  return fd;
}

struct SupervisorState {
  PeerTable peers;
  // UDP sockets whose DNS queries go to the supervisor's server: the nameserver each thinks it
  // talks to, for recvfrom(2) and getpeername(2).
  DnsSockets dns_sockets;
  const DnsResponder* dns = nullptr;  // null with SOCKS_RESOLVE=local: queries go through
  BindSessions binds;                 // sockets between bind(2) and accept(2) of a SOCKS BIND
};

// The answer to `target`'s call (connect, getpeername, ... as the filter notifies them).
CallAnswer answer_call(TargetProcess& target, SupervisorState& state);

// Helpers of the handlers (socket_calls.cc).
int socket_int_option(int fd, int name);  // SO_DOMAIN, SO_TYPE, ...; -1 with errno
// The port of an AF_INET/AF_INET6 address (host order), 0 if it has none.
uint16_t port_of(const sockaddr_storage& address, socklen_t length);

// The UDP port-53 redirects (dns_redirect.cc); nullopt when the call is no DNS query.
std::optional<CallAnswer> redirect_dns_connect(int fd, int domain, const sockaddr_storage& address,
                                               socklen_t length, SupervisorState& state);
CallAnswer answer_sendto(TargetProcess& target, SupervisorState& state);
CallAnswer answer_sendmsg(TargetProcess& target, SupervisorState& state);
CallAnswer answer_recvfrom(TargetProcess& target, SupervisorState& state);
// The BIND sequence (bind_calls.cc).
CallAnswer answer_bind(TargetProcess& target, SupervisorState& state);
CallAnswer answer_listen(TargetProcess& target, SupervisorState& state);
CallAnswer answer_accept(TargetProcess& target, SupervisorState& state);
// getsockname(2) of a socket in a BIND sequence; nullopt for any other socket.
std::optional<CallAnswer> answer_bound_name(TargetProcess& target, int fd, SupervisorState& state);

// getpeername(2) of a redirected DNS socket: the nameserver; nullopt for any other socket.
std::optional<CallAnswer> answer_dns_peer(TargetProcess& target, int fd, SupervisorState& state);

}  // namespace socks4::supervisor
