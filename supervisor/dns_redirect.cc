// A supervised program's DNS queries over UDP to port 53 go to the supervisor's own DNS server
// (dns_responder.h) instead of the nameserver: a connect(2) of the UDP socket is made to that
// server (Go, c-ares and glibc connect their sockets, then write), a sendto(2) or sendmsg(2)
// with a destination is sent there. The program's socket does it, so the answer comes back to
// it; recvfrom(2) and getpeername(2) on that socket then name the nameserver it was meant for
// (resolvers drop answers from another address). With SOCKS_RESOLVE=local there is no such
// server and the queries go where they were sent.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>

#include <cerrno>
#include <vector>

#include "call_answer.h"
#include "dns_message.h"

namespace socks4::supervisor {
namespace {

constexpr uint16_t kDnsPort = 53;
constexpr size_t kMaxDatagram = 65535;
constexpr size_t kMaxIov = 1024;  // UIO_MAXIOV
constexpr int kSliceMs = 200;     // a wait on the program's behalf checks it still waits

Nameserver nameserver_of(const sockaddr_storage& address, socklen_t length) {
  Nameserver out;
  out.address = address;
  out.length = length;
  return out;
}

// The supervisor's DNS server for a socket of `domain`, if `address` names a DNS port.
std::optional<SocketAddress> responder_for(int domain, const sockaddr_storage& address,
                                           socklen_t length, const SupervisorState& state) {
  if (state.dns == nullptr || port_of(address, length) != kDnsPort) return std::nullopt;
  return state.dns->address_for(domain);
}

// The program's UDP socket, its domain, and the destination it gave (read from its memory).
struct Datagram {
  UniqueFd fd;
  int domain = -1;
  sockaddr_storage destination{};
  socklen_t length = 0;
};

// nullopt: not a DNS query on a UDP socket (let it through); an answer: fail with it.
std::optional<CallAnswer> open_datagram(TargetProcess& target, int program_fd, uint64_t name,
                                        uint64_t name_length, Datagram& out) {
  int error = 0;
  out.fd = target.take_fd(program_fd, &error);
  if (!out.fd) return fail_unless_gone(target, error);
  out.domain = socket_int_option(out.fd.get(), SO_DOMAIN);
  if (socket_int_option(out.fd.get(), SO_TYPE) != SOCK_DGRAM ||
      (out.domain != AF_INET && out.domain != AF_INET6)) {
    return proceed();
  }
  if (name_length > sizeof out.destination) return proceed();  // the kernel refuses it
  out.length = static_cast<socklen_t>(name_length);
  if (!target.read(name, &out.destination, out.length)) {
    return fail_unless_gone(target, EFAULT);
  }
  return std::nullopt;
}

}  // namespace

std::optional<CallAnswer> redirect_dns_connect(int fd, int domain, const sockaddr_storage& address,
                                               socklen_t length, SupervisorState& state) {
  std::optional<SocketAddress> responder = responder_for(domain, address, length, state);
  if (!responder) return std::nullopt;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&responder->address), responder->length) != 0) {
    return fail(errno);
  }
  state.dns_sockets.remember(fd, nameserver_of(address, length));
  return succeed(0);
}

CallAnswer answer_recvfrom(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  std::optional<Nameserver> nameserver = state.dns_sockets.lookup(fd.get());
  if (!nameserver) return proceed();
  socklen_t room = 0;
  if (!target.read(call.args[5], &room, sizeof room)) {
    return fail_unless_gone(target, EFAULT);
  }
  int flags = static_cast<int>(call.args[3]);
  bool wait = (flags & MSG_DONTWAIT) == 0 && (fcntl(fd.get(), F_GETFL) & O_NONBLOCK) == 0;
  std::vector<uint8_t> data(std::min<uint64_t>(call.args[2], kMaxDatagram));
  ssize_t n;
  while (true) {
    n = recv(fd.get(), data.data(), data.size(), flags | MSG_DONTWAIT);
    if (n >= 0 || !wait || (errno != EAGAIN && errno != EWOULDBLOCK)) break;
    pollfd p{fd.get(), POLLIN, 0};
    poll(&p, 1, kSliceMs);
    if (!target.live()) return abandon();
  }
  if (n < 0) return fail(errno);
  size_t copied = std::min<size_t>(static_cast<size_t>(n), data.size());
  socklen_t named = std::min(room, nameserver->length);
  if (!target.write(call.args[1], data.data(), copied) ||
      !target.write(call.args[4], &nameserver->address, named) ||
      !target.write(call.args[5], &nameserver->length, sizeof nameserver->length)) {
    return fail_unless_gone(target, EFAULT);
  }
  return succeed(n);
}

std::optional<CallAnswer> answer_dns_peer(TargetProcess& target, int fd, SupervisorState& state) {
  std::optional<Nameserver> nameserver = state.dns_sockets.lookup(fd);
  if (!nameserver) return std::nullopt;
  const Call& call = target.call();
  socklen_t room = 0;
  if (!target.read(call.args[2], &room, sizeof room)) {
    return fail_unless_gone(target, EFAULT);
  }
  socklen_t named = std::min(room, nameserver->length);
  if (!target.write(call.args[1], &nameserver->address, named) ||
      !target.write(call.args[2], &nameserver->length, sizeof nameserver->length)) {
    return fail_unless_gone(target, EFAULT);
  }
  return succeed(0);
}

CallAnswer answer_sendto(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  Datagram d;
  if (auto early =
          open_datagram(target, static_cast<int>(call.args[0]), call.args[4], call.args[5], d)) {
    return *early;
  }
  std::optional<SocketAddress> responder = responder_for(d.domain, d.destination, d.length, state);
  if (!responder) return proceed();
  if (call.args[2] > kMaxDatagram) return fail(EMSGSIZE);
  std::vector<uint8_t> data(call.args[2]);
  if (!target.read(call.args[1], data.data(), data.size())) {
    return fail_unless_gone(target, EFAULT);
  }
  ssize_t n = sendto(d.fd.get(), data.data(), data.size(), static_cast<int>(call.args[3]),
                     reinterpret_cast<const sockaddr*>(&responder->address), responder->length);
  if (n < 0) return fail(errno);
  state.dns_sockets.remember(d.fd.get(), nameserver_of(d.destination, d.length));
  return succeed(n);
}

CallAnswer answer_sendmsg(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  msghdr message{};
  if (!target.read(call.args[1], &message, sizeof message)) {
    return fail_unless_gone(target, EFAULT);
  }
  if (message.msg_name == nullptr) return proceed();  // a connected socket's data
  Datagram d;
  if (auto early =
          open_datagram(target, static_cast<int>(call.args[0]),
                        reinterpret_cast<uint64_t>(message.msg_name), message.msg_namelen, d)) {
    return *early;
  }
  std::optional<SocketAddress> responder = responder_for(d.domain, d.destination, d.length, state);
  if (!responder) return proceed();
  if (message.msg_iovlen > kMaxIov) return fail(EMSGSIZE);
  std::vector<iovec> pieces(message.msg_iovlen);
  if (!target.read(reinterpret_cast<uint64_t>(message.msg_iov), pieces.data(),
                   pieces.size() * sizeof(iovec))) {
    return fail_unless_gone(target, EFAULT);
  }
  std::vector<uint8_t> data;
  for (const iovec& piece : pieces) {
    if (data.size() + piece.iov_len > kMaxDatagram) return fail(EMSGSIZE);
    size_t at = data.size();
    data.resize(at + piece.iov_len);
    if (!target.read(reinterpret_cast<uint64_t>(piece.iov_base), data.data() + at, piece.iov_len)) {
      return fail_unless_gone(target, EFAULT);
    }
  }
  // Ancillary data (a source address to use, ...) is dropped: the query goes over loopback.
  ssize_t n = sendto(d.fd.get(), data.data(), data.size(), static_cast<int>(call.args[2]),
                     reinterpret_cast<const sockaddr*>(&responder->address), responder->length);
  if (n < 0) return fail(errno);
  state.dns_sockets.remember(d.fd.get(), nameserver_of(d.destination, d.length));
  return succeed(n);
}

}  // namespace socks4::supervisor
