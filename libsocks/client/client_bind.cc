// Rbind / Rgetsockname / Rlisten / Raccept: the BIND half of SOCKS; getpeername of a socket
// that went through a server; and SO_ERROR reporting.
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_ops.h"
#include "socks4/client_registry.h"
#include "socks4/client_socket.h"
#include "socks4/client_sys.h"
#include "socks4/errno_result.h"
#include "socks4/fake_names.h"
#include "socks4/unique_fd.h"

namespace socks4::client {
namespace {

std::optional<Purpose> purpose_of(int fd) {
  std::optional<Purpose> purpose;
  with_tracked(fd, [&](TrackedSocket& s) { purpose = s.purpose; });
  return purpose;
}

// The CONNECT a SOCKS BIND would follow: the last one through a server, whose destination is
// still routed through a server. nullopt: the bind is a plain one.
std::optional<LastConnect> bind_follows() {
  std::optional<LastConnect> last = last_connect();
  if (!last) return std::nullopt;
  std::shared_ptr<const ClientContext> ctx = context();
  RouteQuery query;
  if (last->destination.sin_addr.s_addr != 0) query.ip = ntohl(last->destination.sin_addr.s_addr);
  query.name = last->destination_name;
  query.port = ntohs(last->destination.sin_port);
  query.user = ctx->env.username;
  if (route(ctx->config, ctx->default_servers, query).action != RouteAction::kSockd) {
    return std::nullopt;
  }
  return last;
}

// Whether this bind(2) may become a SOCKS BIND: a TCP socket asking for any port, after a
// CONNECT through a server (bind_follows).
std::optional<LastConnect> bind_target(int fd, const sockaddr* address, socklen_t length) {
  std::optional<sockaddr_in> local = ipv4_destination(address, length);
  if (!local || local->sin_port != 0 || !is_stream_socket(fd)) return std::nullopt;
  return bind_follows();
}

// Sends a BIND request on `socket_fd` to the server of `last` (a multi-homed sockd answers
// for the right interface) and waits until the server listens. nullopt when it failed, with
// the error in `error`.
std::optional<TrackedSocket> negotiate_bind(int socket_fd, const LastConnect& last, int& error) {
  std::shared_ptr<const ClientContext> ctx = context();
  Request request;
  request.command = Command::kBind;
  request.port = ntohs(last.destination.sin_port);
  request.ip = ntohl(last.destination.sin_addr.s_addr);
  request.user_id = ctx->env.username;
  request.hostname = last.destination_name;
  std::vector<uint8_t> wire = encode_request(request);
  if (wire.empty()) {
    error = EINVAL;
    return std::nullopt;
  }
  const ServerEndpoint& server = last.server;
  in_addr server_ip{htonl(server.ipv4)};
  char server_text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &server_ip, server_text, sizeof server_text);
  std::vector<ServerAddress> again{{server_text, server.port}};
  TrackedSocket socket;
  socket.purpose = Purpose::kBind;
  socket.negotiation.emplace(resolve_servers(again, socket_family(socket_fd)), std::move(wire),
                             ctx->timeouts);
  socket.destination = last.destination;
  socket.destination_name = last.destination_name;
  Progress progress = run_negotiation(socket_fd, *socket.negotiation, RunUntil::kBound);
  if (progress == Progress::kFailed) {
    error = socket.negotiation->error();
    debug_log("fd %d: BIND through %s failed: %s", socket_fd, server.label.c_str(),
              strerror(error));
    return std::nullopt;
  }
  debug_log("fd %d: BIND through %s: server listens on port %u", socket_fd, server.label.c_str(),
            socket.negotiation->first_reply().port);
  return socket;
}

// The address the server listens on for a BIND entry: 0.0.0.0 in the reply means "the
// server's own address" (a single-homed sockd).
void bind_address(const TrackedSocket& s, uint32_t& ip, uint16_t& port) {
  const Reply& reply = s.negotiation->first_reply();
  ip = reply.ip != 0 ? reply.ip : s.negotiation->server().ipv4;
  port = reply.port;
}

// The address a recorded bind was given, and the entry gone.
std::optional<sockaddr_storage> take_deferred_bind(int fd, socklen_t& length) {
  std::optional<sockaddr_storage> local;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.purpose != Purpose::kBindDeferred) return;
    local = s.local;
    length = s.local_length;
  });
  if (local) forget(fd);
  return local;
}

enum class Ahead { kNone, kNegotiated, kRefused };

// getsockname(2) or listen(2) of a socket whose bind was recorded. getsockname asks for the
// port, to announce it before listen (tnftp, inetutils-ftp, rcmd) or only to know it before
// connect(2) (lftp). A BIND is negotiated ahead on a socket of its own, so that a refusal or a
// later connect leaves the application's socket untouched. kNone: no BIND to be had (the bind
// is a plain one); kRefused: the server refused, and listen will fail with its error.
Ahead bind_ahead(int fd) {
  Ahead state = Ahead::kNone;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.side_fd >= 0) state = Ahead::kNegotiated;
    if (s.bind_error != 0) state = Ahead::kRefused;
  });
  if (state != Ahead::kNone) return state;
  std::optional<LastConnect> last = bind_follows();
  if (!last) return Ahead::kNone;
  UniqueFd side(socket(socket_family(fd), SOCK_STREAM | SOCK_CLOEXEC, 0));
  int error = side ? 0 : errno;
  std::optional<TrackedSocket> bound =
      side ? negotiate_bind(side.get(), *last, error) : std::nullopt;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.purpose != Purpose::kBindDeferred || s.side_fd >= 0 || s.bind_error != 0) return;
    if (!bound) {
      s.bind_error = error != 0 ? error : ECONNREFUSED;
      state = Ahead::kRefused;
      return;
    }
    s.negotiation = std::move(bound->negotiation);
    s.destination = bound->destination;
    s.destination_name = bound->destination_name;
    s.side_fd = side.release();
    state = Ahead::kNegotiated;
  });
  return state;
}

// listen(2) after a BIND negotiated ahead: the application's descriptor takes over the side
// socket (keeping its own file status and close-on-exec flags) and becomes a SOCKS BIND.
bool adopt_bind_ahead(int fd) {
  std::optional<TrackedSocket> ahead;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.purpose != Purpose::kBindDeferred || s.side_fd < 0) return;
    ahead = std::move(s);
    s.side_fd = -1;  // now ours, not the registry's to close
  });
  if (!ahead) return false;
  forget(fd);
  UniqueFd side(ahead->side_fd);
  int status = fcntl(fd, F_GETFL);
  int descriptor = fcntl(fd, F_GETFD);
  if (status >= 0) fcntl(side.get(), F_SETFL, status);
  int flags = descriptor >= 0 && (descriptor & FD_CLOEXEC) != 0 ? O_CLOEXEC : 0;
  if (dup3(side.get(), fd, flags) < 0) return false;
  TrackedSocket bound;
  bound.purpose = Purpose::kBind;
  bound.negotiation = std::move(ahead->negotiation);
  bound.destination = ahead->destination;
  bound.destination_name = ahead->destination_name;
  return track(fd, std::move(bound));
}

}  // namespace

Outcome bind_socket(int fd, const sockaddr* address, socklen_t length) {
  std::optional<LastConnect> last = bind_target(fd, address, length);
  if (!last) return system_outcome(sys().bind(fd, address, length));
  // Port 0 after a CONNECT through a server: a passive FTP client's data socket about to
  // connect (lftp binds it to the control connection's local address) as well as an active
  // one's about to listen. Only listen(2) makes it a SOCKS BIND; connect(2) makes it a plain
  // bind (and drops a BIND negotiated ahead for getsockname).
  TrackedSocket recorded;
  recorded.purpose = Purpose::kBindDeferred;
  recorded.local_length = std::min<socklen_t>(length, sizeof recorded.local);
  std::memcpy(&recorded.local, address, recorded.local_length);
  if (!track(fd, std::move(recorded))) return system_outcome(-1);
  debug_log("fd %d: bind to port 0 recorded; a SOCKS BIND if it listens", fd);
  return Outcome{};
}

int complete_deferred_bind(int fd) {
  socklen_t length = 0;
  std::optional<sockaddr_storage> local = take_deferred_bind(fd, length);
  if (!local) return 0;
  return sys().bind(fd, reinterpret_cast<const sockaddr*>(&*local), length);
}

int socket_name(int fd, sockaddr* address, socklen_t* length) {
  if (purpose_of(fd) == Purpose::kBindDeferred) {
    switch (bind_ahead(fd)) {
      case Ahead::kNone:  // the recorded bind becomes a plain one, and the kernel answers
        if (complete_deferred_bind(fd) != 0) return -1;
        break;
      case Ahead::kRefused: {  // the address as bound, port 0: listen will report the refusal
        sockaddr_storage local{};
        socklen_t local_length = 0;
        with_tracked(fd, [&](TrackedSocket& s) {
          local = s.local;
          local_length = s.local_length;
        });
        if (length == nullptr) {
          return fail_with(EFAULT);
        }
        if (address != nullptr) std::memcpy(address, &local, std::min(*length, local_length));
        *length = local_length;
        return 0;
      }
      case Ahead::kNegotiated:
        break;
    }
  }
  uint32_t ip = 0;
  uint16_t port = 0;
  bool bound = false;
  with_tracked(fd, [&](TrackedSocket& s) {
    bool ahead = s.purpose == Purpose::kBindDeferred && s.side_fd >= 0;
    if ((s.purpose != Purpose::kBind && !ahead) || !s.negotiation) return;
    bound = true;
    bind_address(s, ip, port);
  });
  if (!bound) return sys().getsockname(fd, address, length);
  if (length == nullptr) {
    return fail_with(EFAULT);
  }
  store_address(socket_family(fd), ip, port, address, length);
  return 0;
}

int peer_name(int fd, sockaddr* address, socklen_t* length) {
  int error = 0;
  sockaddr_storage peer{};
  socklen_t peer_length = 0;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.purpose == Purpose::kBind || s.progress() == Progress::kPending) {
      error = ENOTCONN;  // as the kernel says of a socket still connecting
      return;
    }
    peer = s.peer;
    peer_length = s.peer_length;
    if (s.purpose != Purpose::kConnect || s.destination_name.empty() || !s.negotiation ||
        s.progress() != Progress::kDone) {
      return;
    }
    // By name: once up, the address sockd connected to (the DSTIP of its 4a reply), so a
    // program can compare it with addresses the peer announces (FTP's PASV). The fake
    // address still works for connect and getnameinfo. A server that leaves DSTIP 0, or
    // echoes the request's 0.0.0.x, says nothing.
    uint32_t actual = s.negotiation->first_reply().ip;
    if ((actual >> 24) == 0 || is_fake_address(actual) || peer_length == 0) return;
    uint16_t port = peer.ss_family == AF_INET6
                        ? ntohs(reinterpret_cast<const sockaddr_in6*>(&peer)->sin6_port)
                        : ntohs(reinterpret_cast<const sockaddr_in*>(&peer)->sin_port);
    peer_length = sizeof peer;
    store_address(peer.ss_family, actual, port, reinterpret_cast<sockaddr*>(&peer), &peer_length);
  });
  if (error != 0) {
    return fail_with(error);
  }
  if (peer_length == 0) return sys().getpeername(fd, address, length);
  if (length == nullptr) {
    return fail_with(EFAULT);
  }
  if (address != nullptr) std::memcpy(address, &peer, std::min(*length, peer_length));
  *length = peer_length;
  return 0;
}

Outcome listen_socket(int fd, int backlog) {
  if (purpose_of(fd) == Purpose::kBindDeferred) {
    switch (bind_ahead(fd)) {
      case Ahead::kNegotiated:
        if (!adopt_bind_ahead(fd)) return system_outcome(-1, Route::kServer);
        break;
      case Ahead::kRefused: {  // never a local listener the outside could not reach
        int error = ECONNREFUSED;
        with_tracked(fd, [&](TrackedSocket& s) { error = s.bind_error; });
        return failed_outcome(error, Route::kServer);
      }
      case Ahead::kNone:
        if (complete_deferred_bind(fd) != 0) return system_outcome(-1);
        break;
    }
  }
  if (purpose_of(fd) == Purpose::kBind) return Outcome{0, 0, Route::kServer, false};  // it listens
  return system_outcome(sys().listen(fd, backlog));
}

Outcome accept_socket(int fd, sockaddr* address, socklen_t* length, int flags) {
  if (purpose_of(fd) != Purpose::kBind) {
    return system_outcome(sys().accept4(fd, address, length, flags));
  }
  bool blocking = !is_nonblocking(fd);
  while (true) {
    std::optional<Progress> progress = drive(fd);
    if (!progress) return failed_outcome(EBADF, Route::kServer);
    if (*progress == Progress::kFailed) {
      return failed_outcome(take_error(fd).value_or(ECONNABORTED), Route::kServer);
    }
    if (*progress == Progress::kDone) break;
    if (!blocking) return failed_outcome(EAGAIN, Route::kServer);
    short events = 0;
    int wait_ms = 0;
    with_tracked(fd, [&](TrackedSocket& s) {
      events = s.negotiation->wanted_events();
      wait_ms = s.negotiation->remaining_ms();
    });
    pollfd p{fd, events, 0};
    sys().poll(&p, 1, wait_ms);  // the negotiation's deadline bounds the wait
  }
  uint32_t peer_ip = 0;
  uint16_t peer_port = 0;
  bool already = false;
  with_tracked(fd, [&](TrackedSocket& s) {
    already = s.accepted;
    s.accepted = true;
    const Reply& second = s.negotiation->second_reply();
    peer_ip = second.ip != 0 ? second.ip : ntohl(s.destination.sin_addr.s_addr);
    peer_port = second.port;
  });
  if (already) return failed_outcome(EINVAL, Route::kServer);  // BIND relays one connection
  int stream = fcntl(fd, (flags & SOCK_CLOEXEC) != 0 ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
  if (stream < 0) return system_outcome(-1, Route::kServer);
  if ((flags & SOCK_NONBLOCK) != 0) fcntl(stream, F_SETFL, fcntl(stream, F_GETFL) | O_NONBLOCK);
  // The relayed stream shows the application server as its peer, not sockd.
  TrackedSocket relayed;
  relayed.purpose = Purpose::kRelayed;
  relayed.peer_length = sizeof relayed.peer;
  store_address(socket_family(fd), peer_ip, peer_port, reinterpret_cast<sockaddr*>(&relayed.peer),
                &relayed.peer_length);
  track(stream, std::move(relayed));
  store_address(socket_family(fd), peer_ip, peer_port, address, length);
  return Outcome{stream, 0, Route::kServer, false};
}

int socket_option(int fd, int level, int name, void* value, socklen_t* length) {
  if (level == SOL_SOCKET && name == SO_ERROR && value != nullptr && length != nullptr &&
      *length >= sizeof(int)) {
    bool pending = false;
    with_tracked(fd, [&](TrackedSocket& s) {
      pending = s.progress() == Progress::kPending && s.purpose == Purpose::kConnect;
    });
    std::optional<int> error = pending ? std::optional<int>(0) : take_error(fd);
    if (error) {
      *static_cast<int*>(value) = *error;
      *length = sizeof(int);
      return 0;
    }
  }
  return sys().getsockopt(fd, level, name, value, length);
}

}  // namespace socks4::client
