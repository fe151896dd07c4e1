// The supervisor's answers to bind, getsockname, listen and accept: the client library's BIND
// sequence (client_ops.h: bind_socket, socket_name, listen_socket, accept_socket), run on a
// duplicate of the program's socket held for the whole sequence (bind_sessions.h). Where the
// library replaces the socket (listen adopting a BIND negotiated ahead for getsockname), the
// new one is put in the program's place with SECCOMP_IOCTL_NOTIF_ADDFD; the stream an accept
// returns is added to the program the same way, as the call's result.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>

#include "call_answer.h"
#include "socks4/client_ops.h"
#include "socks4/client_registry.h"

namespace socks4::supervisor {
namespace {

constexpr int kSliceMs = 200;

bool in_sequence(int fd) {
  bool tracked = false;
  client::with_tracked(fd, [&](client::TrackedSocket& s) {
    tracked = s.purpose == client::Purpose::kBindDeferred || s.purpose == client::Purpose::kBind;
  });
  return tracked;
}

ino_t inode_of(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// Writes an address and its length where the program asked (getsockname, accept).
std::optional<CallAnswer> give_address(const TargetProcess& target, uint64_t address,
                                       uint64_t length_at, const sockaddr_storage& value,
                                       socklen_t length) {
  if (length_at == 0) return std::nullopt;  // accept(fd, NULL, NULL)
  socklen_t room = 0;
  if (!target.read(length_at, &room, sizeof room)) return fail_unless_gone(target, EFAULT);
  if (static_cast<int>(room) < 0) return fail(EINVAL);
  if ((address != 0 && !target.write(address, &value, std::min(room, length))) ||
      !target.write(length_at, &length, sizeof length)) {
    return fail_unless_gone(target, EFAULT);
  }
  return std::nullopt;
}

}  // namespace

CallAnswer answer_bind(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  int domain = socket_int_option(fd.get(), SO_DOMAIN);
  if ((domain != AF_INET && domain != AF_INET6) ||
      socket_int_option(fd.get(), SO_TYPE) != SOCK_STREAM) {
    return proceed();  // the kernel binds; no connection leaves by it
  }
  if (call.args[2] > sizeof(sockaddr_storage)) return fail(EINVAL);
  sockaddr_storage address{};
  socklen_t length = static_cast<socklen_t>(call.args[2]);
  if (!target.read(call.args[1], &address, length)) return fail_unless_gone(target, EFAULT);
  client::Outcome outcome =
      client::bind_socket(fd.get(), reinterpret_cast<const sockaddr*>(&address), length);
  if (outcome.result == 0 && in_sequence(fd.get())) {
    state.binds.hold(std::move(fd), call.pid);  // recorded: a SOCKS BIND if it listens
    return succeed(0);
  }
  client::forget(fd.get());
  return outcome.result < 0 ? fail(outcome.error) : succeed(outcome.result);
}

std::optional<CallAnswer> answer_bound_name(TargetProcess& target, int fd, SupervisorState& state) {
  std::shared_ptr<UniqueFd> held = state.binds.find(fd);
  if (!held) return std::nullopt;
  const Call& call = target.call();
  sockaddr_storage name{};
  socklen_t length = sizeof name;
  if (client::socket_name(held->get(), reinterpret_cast<sockaddr*>(&name), &length) != 0) {
    return fail(errno);
  }
  if (!in_sequence(held->get())) state.binds.drop(held);  // a plain bind after all
  if (auto failed = give_address(target, call.args[1], call.args[2], name, length)) {
    return *failed;
  }
  return succeed(0);
}

CallAnswer answer_listen(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  std::shared_ptr<UniqueFd> held = state.binds.find(fd.get());
  if (!held) return proceed();
  ino_t before = inode_of(held->get());
  client::Outcome outcome = client::listen_socket(held->get(), static_cast<int>(call.args[1]));
  if (outcome.result < 0 || !in_sequence(held->get())) {
    state.binds.drop(held);  // refused (never a local listener), or a plain listen
    return outcome.result < 0 ? fail(outcome.error) : succeed(outcome.result);
  }
  if (inode_of(held->get()) != before) {
    // The BIND negotiated ahead for getsockname replaced the socket: in the program too.
    int program_fd = static_cast<int>(call.args[0]);
    if (target.install_fd(held->get(), program_fd, target.close_on_exec(program_fd), false) < 0) {
      int why = errno;
      state.binds.drop(held);
      return fail_unless_gone(target, why);
    }
    state.binds.refresh(held);
  }
  return succeed(0);
}

CallAnswer answer_accept(TargetProcess& target, SupervisorState& state) {
  const Call& call = target.call();
  CallAnswer refusal;
  UniqueFd fd = take_socket_arg(target, &refusal);
  if (!fd) return refusal;
  std::shared_ptr<UniqueFd> held = state.binds.find(fd.get());
  if (!held) return proceed();
  int flags = call.nr == __NR_accept4 ? static_cast<int>(call.args[3]) : 0;
  bool blocking = (fcntl(held->get(), F_GETFL) & O_NONBLOCK) == 0;
  // The second reply (the inbound connection), waited for in slices while the program waits.
  while (true) {
    std::optional<client::Progress> progress = client::drive(held->get());
    if (!progress || *progress != client::Progress::kPending) break;
    if (!blocking) return fail(EAGAIN);
    short events = 0;
    int remaining = 0;
    client::with_tracked(held->get(), [&](client::TrackedSocket& s) {
      if (s.negotiation) {
        events = s.negotiation->wanted_events();
        remaining = s.negotiation->remaining_ms();
      }
    });
    pollfd p{held->get(), events, 0};
    poll(&p, 1, std::min(remaining, kSliceMs));
    if (!target.live()) return abandon();
  }
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  client::Outcome outcome = client::accept_socket(held->get(), reinterpret_cast<sockaddr*>(&peer),
                                                  &peer_length, flags & ~SOCK_CLOEXEC);
  if (outcome.result < 0) {
    state.binds.drop(held);
    return fail(outcome.error);
  }
  UniqueFd stream(outcome.result);
  client::forget(stream.get());
  KnownPeer known;
  known.peer = peer;
  known.peer_length = peer_length;
  known.server_length = sizeof known.server;
  if (getpeername(stream.get(), reinterpret_cast<sockaddr*>(&known.server), &known.server_length) ==
      0) {
    state.peers.remember(stream.get(), known);
  }
  state.binds.drop(held);  // one connection per BIND
  if (auto failed = give_address(target, call.args[1], call.args[2], peer, peer_length)) {
    return *failed;
  }
  if (target.install_fd(stream.get(), -1, (flags & SOCK_CLOEXEC) != 0, true) < 0) {
    return fail_unless_gone(target, errno);
  }
  return abandon();  // answered with the descriptor
}

}  // namespace socks4::supervisor
