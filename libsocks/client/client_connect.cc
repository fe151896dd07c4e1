// Rconnect: route by socks.conf, then deny, connect directly, or negotiate a CONNECT.
#include <arpa/inet.h>
#include <netdb.h>

#include <cerrno>
#include <cstring>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/client_ops.h"
#include "socks4/client_socket.h"
#include "socks4/client_sys.h"
#include "socks4/client_table.h"
#include "socks4/errno_result.h"

namespace socks4::client {
namespace {

// A repeated connect on a socket whose SOCKS CONNECT is tracked: EALREADY while pending,
// EISCONN once done, the error (once) when it failed. nullopt when `fd` is not tracked.
std::optional<int> repeated_connect(int fd) {
  std::optional<Progress> progress = drive(fd);
  if (!progress) return std::nullopt;
  switch (*progress) {
    case Progress::kPending:
      return fail_with(EALREADY);
    case Progress::kDone:
      return fail_with(EISCONN);
    case Progress::kFailed:
      return fail_with(take_error(fd).value_or(ECONNREFUSED));
  }
  return std::nullopt;
}

std::string describe(const RouteQuery& query) {
  std::string out = query.name;
  if (query.ip) {
    in_addr a{htonl(*query.ip)};
    char text[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &a, text, sizeof text);
    out += out.empty() ? text : std::string("/") + text;
  }
  return out + ":" + std::to_string(query.port);
}

int connect_through_servers(int fd, const ClientContext& ctx, const RouteDecision& decision,
                            const RouteQuery& query) {
  Request request;
  request.command = Command::kConnect;
  request.port = query.port;
  request.ip = query.ip.value_or(0);
  request.user_id = ctx.env.username;
  request.hostname = query.ip ? std::string() : query.name;
  std::vector<uint8_t> wire = encode_request(request);
  if (wire.empty()) return fail_with(EINVAL);  // name or user over the protocol's limits
  TrackedSocket socket{Purpose::kConnect,
                       Negotiation(resolve_servers(decision.servers, socket_family(fd)),
                                   std::move(wire), ctx.timeouts),
                       {},
                       request.hostname,
                       false,
                       0,
                       0};
  socket.destination.sin_family = AF_INET;
  socket.destination.sin_port = htons(query.port);
  socket.destination.sin_addr.s_addr = htonl(request.ip);
  Negotiation& negotiation = socket.negotiation;
  if (!is_nonblocking(fd)) {
    if (run_negotiation(fd, negotiation, RunUntil::kFinished) == Progress::kDone) {
      debug_log("fd %d: connected to %s through %s", fd, describe(query).c_str(),
                negotiation.server().label.c_str());
      remember_last_connect(socket);
      return 0;
    }
    debug_log("fd %d: CONNECT %s failed: %s", fd, describe(query).c_str(),
              strerror(negotiation.error()));
    return fail_with(negotiation.error());
  }
  switch (negotiation.start(fd)) {
    case Progress::kDone:
      remember_last_connect(socket);
      return 0;
    case Progress::kFailed:
      return fail_with(negotiation.error());
    case Progress::kPending:
      if (!track(fd, std::move(socket))) return fail_with(errno);
      return fail_with(EINPROGRESS);
  }
  return fail_with(EINVAL);
}

bool is_loopback_address(const sockaddr* address, socklen_t length) {
  if (std::optional<sockaddr_in> four = ipv4_destination(address, length)) {
    return (ntohl(four->sin_addr.s_addr) >> 24) == 127;
  }
  return address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6) &&
         IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
}

int connect_routed(int fd, const RouteQuery& query, const sockaddr* address, socklen_t length) {
  std::shared_ptr<const ClientContext> ctx = context();
  RouteDecision decision = route(ctx->config, ctx->default_servers, query);
  debug_log("fd %d: %s -> %s (%s, line %d)", fd, describe(query).c_str(),
            decision.action == RouteAction::kDeny     ? "deny"
            : decision.action == RouteAction::kDirect ? "direct"
                                                      : "sockd",
            ctx->refusal.empty() ? decision.reason : ctx->refusal.c_str(),
            decision.rule ? decision.rule->line : 0);
  switch (decision.action) {
    case RouteAction::kDeny:
      return fail_with(ECONNREFUSED);
    case RouteAction::kDirect:
      return sys().connect(fd, address, length);
    case RouteAction::kSockd:
      return connect_through_servers(fd, *ctx, decision, query);
  }
  return fail_with(EINVAL);
}

}  // namespace

bool refused_by_settings(int fd, const sockaddr* address, socklen_t length) {
  if (address == nullptr || length < sizeof(sa_family_t) ||
      (address->sa_family != AF_INET && address->sa_family != AF_INET6) ||
      is_loopback_address(address, length)) {
    return false;
  }
  std::shared_ptr<const ClientContext> ctx = context();
  if (ctx->refusal.empty()) return false;
  debug_log("fd %d: refused: %s", fd, ctx->refusal.c_str());
  return true;
}

int connect_socket(int fd, const sockaddr* address, socklen_t length) {
  if (std::optional<int> repeated = repeated_connect(fd)) return *repeated;
  std::optional<sockaddr_in> destination = ipv4_destination(address, length);
  if (!destination || !is_stream_socket(fd)) {
    if (refused_by_settings(fd, address, length)) return fail_with(ECONNREFUSED);
    if (address != nullptr && address->sa_family == AF_INET6) {
      debug_log("fd %d: IPv6 destination: SOCKS4 cannot carry it; connecting directly", fd);
    }
    return sys().connect(fd, address, length);
  }
  // A placeholder from Rgethostbyname/Rgetaddrinfo: the server resolves the name (4a).
  if (std::optional<std::string> name = remote_name_of(ntohl(destination->sin_addr.s_addr))) {
    return connect_socket_to_name(fd, *name, ntohs(destination->sin_port));
  }
  RouteQuery query;
  query.ip = ntohl(destination->sin_addr.s_addr);
  query.port = ntohs(destination->sin_port);
  query.user = context()->env.username;
  return connect_routed(fd, query, address, length);
}

int connect_socket_to_name(int fd, const std::string& name, uint16_t port) {
  if (std::optional<int> repeated = repeated_connect(fd)) return *repeated;
  RouteQuery query;
  query.name = name;
  query.port = port;
  query.user = context()->env.username;
  std::shared_ptr<const ClientContext> ctx = context();
  RouteDecision decision = route(ctx->config, ctx->default_servers, query);
  if (decision.action != RouteAction::kDirect) return connect_routed(fd, query, nullptr, 0);
  // Direct by name: look it up here, in the socket's family.
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return fail_with(EHOSTUNREACH);
  }
  uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  sockaddr_storage target{};
  socklen_t target_length = sizeof target;
  store_address(socket_family(fd), ip, port, reinterpret_cast<sockaddr*>(&target), &target_length);
  return sys().connect(fd, reinterpret_cast<sockaddr*>(&target), target_length);
}

}  // namespace socks4::client
