// The supervisor's answers to connect, getpeername and getsockname, with the client library's
// own routing and negotiation (client_ops.h) run on the supervisor's duplicate of the program's
// socket: one client core for the preload and the supervisor.
//
// A connect through a SOCKS server is answered once the negotiation is over: the program's
// thread waits in connect(2) (bounded by the negotiation's timeouts) and gets 0 or the error,
// for a blocking socket and a non-blocking one alike (POSIX allows a non-blocking connect to
// succeed at once). Answering EINPROGRESS first would let the program see the socket writable
// and readable while the server's reply is still on its way, and read that reply as data.
// A direct connect keeps the kernel's own semantics (EINPROGRESS on a non-blocking socket).
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "call_answer.h"
#include "socks4/client_log.h"
#include "socks4/client_ops.h"
#include "socks4/client_registry.h"
#include "uncarried.h"

namespace socks4::supervisor {
namespace {

// How often a wait on the program's behalf checks that the program still waits too.
constexpr int kSliceMs = 200;

// Restores the file status flags the program's socket had (the negotiation runs
// non-blocking on the shared open file description), and drops the library's registry entry
// for the duplicate, whose descriptor number means nothing once it is closed.
class BorrowedSocket {
 public:
  explicit BorrowedSocket(int fd) : fd_(fd), flags_(fcntl(fd, F_GETFL)) {
    if (flags_ >= 0 && !nonblocking()) fcntl(fd_, F_SETFL, flags_ | O_NONBLOCK);
  }
  ~BorrowedSocket() {
    client::forget(fd_);
    if (flags_ >= 0 && !nonblocking()) fcntl(fd_, F_SETFL, flags_);
  }
  BorrowedSocket(const BorrowedSocket&) = delete;
  BorrowedSocket& operator=(const BorrowedSocket&) = delete;
  bool nonblocking() const { return flags_ >= 0 && (flags_ & O_NONBLOCK) != 0; }

 private:
  int fd_;
  int flags_;
};

void remember_peer(int fd, SupervisorState& state) {
  KnownPeer known;
  known.peer_length = sizeof known.peer;
  known.server_length = sizeof known.server;
  if (client::peer_name(fd, reinterpret_cast<sockaddr*>(&known.peer), &known.peer_length) != 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&known.server), &known.server_length) != 0) {
    return;
  }
  state.peers.remember(fd, known);
}

// Runs the library's negotiation on `fd` to its end, in slices, while the program waits.
CallAnswer finish_negotiation(TargetProcess& target, int fd, SupervisorState& state) {
  while (true) {
    short events = 0;
    int remaining = 0;
    client::with_tracked(fd, [&](client::TrackedSocket& s) {
      if (s.negotiation && s.negotiation->progress() == client::Progress::kPending) {
        events = s.negotiation->wanted_events();
        remaining = s.negotiation->remaining_ms();
      }
    });
    if (events != 0) {
      pollfd p{fd, events, 0};
      poll(&p, 1, std::min(remaining, kSliceMs));
    }
    if (!target.live()) return abandon();
    std::optional<client::Progress> progress = client::drive(fd);
    if (!progress) return fail(ECONNREFUSED);
    if (*progress == client::Progress::kDone) {
      remember_peer(fd, state);
      return succeed(0);
    }
    if (*progress == client::Progress::kFailed) {
      return fail(client::take_error(fd).value_or(ECONNREFUSED));
    }
  }
}

// A direct connect the program made on a blocking socket: wait as the kernel would have.
CallAnswer finish_direct(TargetProcess& target, int fd) {
  while (true) {
    pollfd p{fd, POLLOUT, 0};
    int ready = poll(&p, 1, kSliceMs);
    if (!target.live()) return abandon();
    if (ready < 0 && errno != EINTR) return fail(errno);
    if (ready <= 0) continue;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return fail(errno);
    return error == 0 ? succeed(0) : fail(error);
  }
}

// The library's connect on `fd` (the program's socket, duplicated), to its end.
CallAnswer connect_with_library(TargetProcess& target, int fd, const sockaddr_storage& address,
                                socklen_t length, SupervisorState& state) {
  BorrowedSocket borrowed(fd);
  client::Outcome outcome =
      client::connect_socket(fd, reinterpret_cast<const sockaddr*>(&address), length);
  if (outcome.route == client::Route::kServer) {
    if (outcome.pending) return finish_negotiation(target, fd, state);
    if (outcome.result == 0) remember_peer(fd, state);
  } else if (outcome.pending && !borrowed.nonblocking()) {
    return finish_direct(target, fd);
  }
  return outcome.result < 0 ? fail(outcome.error) : succeed(outcome.result);
}

CallAnswer answer_connect(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  int domain = socket_int_option(fd.get(), SO_DOMAIN);
  if (domain < 0) return fail(errno);
  // Unix, netlink, ...: no network connection to route; the kernel decides, by the socket's
  // own family, which the program cannot change.
  if (domain != AF_INET && domain != AF_INET6) return proceed();
  socklen_t length = static_cast<socklen_t>(call.args[2]);
  if (call.args[2] > sizeof(sockaddr_storage)) return fail(EINVAL);
  sockaddr_storage address{};
  if (!target.read(call.args[1], &address, length)) return fail_unless_gone(target, EFAULT);
  if (socket_int_option(fd.get(), SO_TYPE) == SOCK_DGRAM) {
    if (auto redirected = redirect_dns_connect(fd.get(), domain, address, length, state)) {
      return *redirected;
    }
  } else if (state.peers.lookup(fd.get())) {
    return fail(EISCONN);  // connected through a server already
  }
  if (auto refused = answer_uncarried(fd.get(), address, length)) return *refused;
  // A socket whose bind was recorded for a SOCKS BIND: the library's connect makes that bind a
  // plain one, on the duplicate holding the record, and the sequence ends.
  if (std::shared_ptr<UniqueFd> held = state.binds.find(fd.get())) {
    CallAnswer answer = connect_with_library(target, held->get(), address, length, state);
    state.binds.drop(held);
    return answer;
  }
  return connect_with_library(target, fd.get(), address, length, state);
}

CallAnswer answer_getpeername(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  if (auto nameserver = answer_dns_peer(target, fd.get(), state)) return *nameserver;
  std::optional<KnownPeer> known = state.peers.lookup(fd.get());
  if (!known) return proceed();
  socklen_t room = 0;
  if (!target.read(call.args[2], &room, sizeof room)) return fail_unless_gone(target, EFAULT);
  if (static_cast<int>(room) < 0) return fail(EINVAL);
  // Truncated like the kernel's, and the full length reported.
  socklen_t copied = std::min(room, known->peer_length);
  if (!target.write(call.args[1], &known->peer, copied) ||
      !target.write(call.args[2], &known->peer_length, sizeof known->peer_length)) {
    return fail_unless_gone(target, EFAULT);
  }
  return succeed(0);
}

CallAnswer answer_getsockname(TargetProcess& target, SupervisorState& state) {
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  if (auto bound = answer_bound_name(target, fd.get(), state)) return *bound;
  return proceed();
}

}  // namespace

int socket_int_option(int fd, int name) {
  int value = 0;
  socklen_t length = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, name, &value, &length) != 0) return -1;
  return value;
}

uint16_t port_of(const sockaddr_storage& address, socklen_t length) {
  if (address.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  }
  if (address.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return 0;
}

CallAnswer answer_call(TargetProcess& target, SupervisorState& state) {
  switch (target.call().nr) {
    case __NR_connect:
      return answer_connect(target, state);
    case __NR_getpeername:
      return answer_getpeername(target, state);
    case __NR_sendto:
      return answer_sendto(target, state);
    case __NR_sendmsg:
      return answer_sendmsg(target, state);
    case __NR_recvfrom:
      return answer_recvfrom(target, state);
    case __NR_bind:
      return answer_bind(target, state);
    case __NR_listen:
      return answer_listen(target, state);
    case __NR_accept:
    case __NR_accept4:
      return answer_accept(target, state);
    case __NR_getsockname:
      return answer_getsockname(target, state);
    default:
      return proceed();  // nothing else is notified
  }
}

}  // namespace socks4::supervisor
