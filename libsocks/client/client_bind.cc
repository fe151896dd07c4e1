// Rbind / Rgetsockname / Rlisten / Raccept: the BIND half of SOCKS, and SO_ERROR reporting.
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_ops.h"
#include "socks4/client_socket.h"
#include "socks4/client_sys.h"
#include "socks4/client_table.h"
#include "socks4/errno_result.h"

namespace socks4::client {
namespace {

bool is_bound_by_socks(int fd) {
  bool bound = false;
  with_tracked(fd, [&](TrackedSocket& s) { bound = s.purpose == Purpose::kBind; });
  return bound;
}

// Whether this bind(2) should become a SOCKS BIND: a TCP socket asking for any port, after a
// CONNECT through a server whose destination is still routed through a server.
std::optional<LastConnect> bind_target(int fd, const sockaddr* address, socklen_t length) {
  std::optional<sockaddr_in> local = ipv4_destination(address, length);
  if (!local || local->sin_port != 0 || !is_stream_socket(fd)) return std::nullopt;
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

}  // namespace

int bind_socket(int fd, const sockaddr* address, socklen_t length) {
  std::optional<LastConnect> last = bind_target(fd, address, length);
  if (!last) return sys().bind(fd, address, length);
  std::shared_ptr<const ClientContext> ctx = context();
  Request request;
  request.command = Command::kBind;
  request.port = ntohs(last->destination.sin_port);
  request.ip = ntohl(last->destination.sin_addr.s_addr);
  request.user_id = ctx->env.username;
  request.hostname = last->destination_name;
  std::vector<uint8_t> wire = encode_request(request);
  if (wire.empty()) return fail_with(EINVAL);
  // The same server as the CONNECT (a multi-homed sockd answers for the right interface).
  const ServerEndpoint& server = last->server;
  in_addr server_ip{htonl(server.ipv4)};
  char server_text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &server_ip, server_text, sizeof server_text);
  std::vector<ServerAddress> again{{server_text, server.port}};
  TrackedSocket socket{
      Purpose::kBind,
      Negotiation(resolve_servers(again, socket_family(fd)), std::move(wire), ctx->timeouts),
      last->destination,
      last->destination_name,
      false,
      0,
      0};
  Progress progress = run_negotiation(fd, socket.negotiation, RunUntil::kBound);
  if (progress == Progress::kFailed) {
    debug_log("fd %d: BIND through %s failed: %s", fd, server.label.c_str(),
              strerror(socket.negotiation.error()));
    return fail_with(socket.negotiation.error());
  }
  const Reply& reply = socket.negotiation.first_reply();
  debug_log("fd %d: BIND through %s: server listens on port %u", fd, server.label.c_str(),
            reply.port);
  if (!track(fd, std::move(socket))) return fail_with(errno);
  return 0;
}

int socket_name(int fd, sockaddr* address, socklen_t* length) {
  uint32_t ip = 0;
  uint16_t port = 0;
  bool bound = false;
  with_tracked(fd, [&](TrackedSocket& s) {
    if (s.purpose != Purpose::kBind) return;
    bound = true;
    const Reply& reply = s.negotiation.first_reply();
    // 0.0.0.0 means "the server's own address" (a single-homed sockd).
    ip = reply.ip != 0 ? reply.ip : s.negotiation.server().ipv4;
    port = reply.port;
  });
  if (!bound) return sys().getsockname(fd, address, length);
  if (length == nullptr) return fail_with(EFAULT);
  store_address(socket_family(fd), ip, port, address, length);
  return 0;
}

int listen_socket(int fd, int backlog) {
  if (is_bound_by_socks(fd)) return 0;  // the server already listens for us
  return sys().listen(fd, backlog);
}

int accept_socket(int fd, sockaddr* address, socklen_t* length) {
  if (!is_bound_by_socks(fd)) return sys().accept(fd, address, length);
  bool blocking = !is_nonblocking(fd);
  while (true) {
    std::optional<Progress> progress = drive(fd);
    if (!progress) return fail_with(EBADF);
    if (*progress == Progress::kFailed) return fail_with(take_error(fd).value_or(ECONNABORTED));
    if (*progress == Progress::kDone) break;
    if (!blocking) return fail_with(EAGAIN);
    short events = 0;
    int wait_ms = 0;
    with_tracked(fd, [&](TrackedSocket& s) {
      events = s.negotiation.wanted_events();
      wait_ms = s.negotiation.remaining_ms();
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
    const Reply& second = s.negotiation.second_reply();
    peer_ip = second.ip != 0 ? second.ip : ntohl(s.destination.sin_addr.s_addr);
    peer_port = second.port;
  });
  if (already) return fail_with(EINVAL);  // SOCKS BIND relays exactly one connection
  int stream = fcntl(fd, F_DUPFD, 0);
  if (stream < 0) return -1;
  store_address(socket_family(fd), peer_ip, peer_port, address, length);
  return stream;
}

int socket_option(int fd, int level, int name, void* value, socklen_t* length) {
  if (level == SOL_SOCKET && name == SO_ERROR && value != nullptr && length != nullptr &&
      *length >= sizeof(int)) {
    bool pending = false;
    with_tracked(fd, [&](TrackedSocket& s) {
      pending = s.negotiation.progress() == Progress::kPending && s.purpose == Purpose::kConnect;
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
