// Rconnect: route by socks.conf once, then deny, connect directly, or negotiate a CONNECT and
// register the socket (docs/ARCHITECTURE.md, "Path of one preload connect()").
#include <arpa/inet.h>
#include <netdb.h>
#include <syslog.h>

#include <cerrno>
#include <cstring>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/client_notice.h"
#include "socks4/client_ops.h"
#include "socks4/client_registry.h"
#include "socks4/client_shell.h"
#include "socks4/client_socket.h"
#include "socks4/client_sys.h"
#include "socks4/client_syslog.h"

namespace socks4::client {
namespace {

// A repeated connect on a socket whose SOCKS CONNECT is registered: EALREADY while pending,
// EISCONN once done, the error (once) when it failed. nullopt when `fd` has no negotiation.
std::optional<Outcome> repeated_connect(int fd) {
  std::optional<Progress> progress = drive(fd);
  if (!progress) return std::nullopt;
  switch (*progress) {
    case Progress::kPending:
      return failed_outcome(EALREADY, Route::kServer);
    case Progress::kDone:
      return failed_outcome(EISCONN, Route::kServer);
    case Progress::kFailed:
      return failed_outcome(take_error(fd).value_or(ECONNREFUSED), Route::kServer);
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

// The peer a program sees: the address it asked for (a fake address for a name).
void set_peer(TrackedSocket& socket, const sockaddr* address, socklen_t length) {
  if (address == nullptr) return;
  socket.peer_length = std::min<socklen_t>(length, sizeof socket.peer);
  std::memcpy(&socket.peer, address, socket.peer_length);
}

// None of the servers' names resolves: the user is told which servers they were.
Notice unresolved_notice(const std::vector<ServerAddress>& servers, const RouteQuery& query) {
  Notice notice;
  notice.kind = NoticeKind::kServerUnreachable;
  notice.destination = destination_text(query.name, query.ip.value_or(0), query.port);
  for (const ServerAddress& server : servers) {
    notice.server +=
        (notice.server.empty() ? "" : ", ") + server.host + ":" + std::to_string(server.port);
  }
  notice.reason = servers.size() == 1 ? "its name does not resolve" : "no name of theirs resolves";
  return notice;
}

Outcome connect_through_servers(int fd, const ClientContext& ctx, const RouteDecision& decision,
                                const RouteQuery& query, const sockaddr* address,
                                socklen_t length) {
  Request request;
  request.command = Command::kConnect;
  request.port = query.port;
  request.ip = query.ip.value_or(0);
  request.user_id = ctx.env.username;
  request.hostname = query.ip ? std::string() : query.name;
  std::vector<uint8_t> wire = encode_request(request);
  if (wire.empty()) return failed_outcome(EINVAL, Route::kServer);  // over the protocol's limits
  std::vector<ServerEndpoint> servers = resolve_servers(decision.servers, socket_family(fd));
  if (servers.empty() && !decision.servers.empty()) {
    notify(unresolved_notice(decision.servers, query));
    return failed_outcome(EHOSTUNREACH, Route::kServer);
  }
  TrackedSocket socket;
  socket.purpose = Purpose::kConnect;
  socket.negotiation.emplace(std::move(servers), std::move(wire), ctx.timeouts);
  socket.destination.sin_family = AF_INET;
  socket.destination.sin_port = htons(query.port);
  socket.destination.sin_addr.s_addr = htonl(request.ip);
  socket.destination_name = request.hostname;
  set_peer(socket, address, length);
  Negotiation& negotiation = *socket.negotiation;
  Progress progress = is_nonblocking(fd) ? negotiation.start(fd)
                                         : run_negotiation(fd, negotiation, RunUntil::kFinished);
  if (progress == Progress::kFailed) {
    debug_log("fd %d: CONNECT %s failed: %s", fd, describe(query).c_str(),
              strerror(negotiation.error()));
    return failed_outcome(negotiation.error(), Route::kServer);
  }
  if (progress == Progress::kDone) {
    debug_log("fd %d: connected to %s through %s", fd, describe(query).c_str(),
              negotiation.server().label.c_str());
  }
  if (!track(fd, std::move(socket))) return failed_outcome(errno, Route::kServer);
  if (progress == Progress::kPending) return Outcome{-1, EINPROGRESS, Route::kServer, true};
  return Outcome{0, 0, Route::kServer, false};
}

// Direct by name: look it up here, in the socket's family.
Outcome connect_directly_by_name(int fd, const std::string& name, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return failed_outcome(EHOSTUNREACH, Route::kDirect);
  }
  uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  sockaddr_storage target{};
  socklen_t target_length = sizeof target;
  store_address(socket_family(fd), ip, port, reinterpret_cast<sockaddr*>(&target), &target_length);
  return system_outcome(sys().connect(fd, reinterpret_cast<sockaddr*>(&target), target_length));
}

bool is_loopback_address(const sockaddr* address, socklen_t length) {
  if (std::optional<sockaddr_in> four = ipv4_destination(address, length)) {
    return (ntohl(four->sin_addr.s_addr) >> 24) == 127;
  }
  return address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6) &&
         IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
}

Notice denial_notice(const ClientContext& ctx, const RouteDecision& decision,
                     const RouteQuery& query) {
  Notice notice;
  notice.kind = NoticeKind::kRuleDenied;
  notice.destination = destination_text(query.name, query.ip.value_or(0), query.port);
  notice.server = ctx.env.conf_path;
  if (decision.rule) notice.server += " line " + std::to_string(decision.rule->line);
  notice.reason =
      decision.rule && decision.rule->action == RouteAction::kDeny ? "deny line" : decision.reason;
  return notice;
}

// "CONNECT to 198.51.100.2:25 through sockd (/etc/socks.conf line 4)", for SOCKS_SYSLOG.
std::string route_line(const ClientContext& ctx, const RouteDecision& decision,
                       const RouteQuery& query) {
  std::string line = "CONNECT to " + destination_text(query.name, query.ip.value_or(0), query.port);
  line += decision.action == RouteAction::kDeny     ? " denied ("
          : decision.action == RouteAction::kDirect ? " direct ("
                                                    : " through sockd (";
  if (!ctx.refusal.empty()) return line + ctx.refusal + ")";
  if (decision.rule)
    return line + ctx.env.conf_path + " line " + std::to_string(decision.rule->line) + ")";
  return line + decision.reason + ")";
}

// The one routing decision of a connect: by name (`query.name`) or by address.
Outcome connect_routed(int fd, const RouteQuery& query, const sockaddr* address, socklen_t length) {
  std::shared_ptr<const ClientContext> ctx = context();
  RouteQuery asked = query;
  asked.user = ctx->env.username;
  RouteDecision decision = route(ctx->config, ctx->default_servers, asked);
  debug_log("fd %d: %s -> %s (%s, line %d)", fd, describe(asked).c_str(),
            decision.action == RouteAction::kDeny     ? "deny"
            : decision.action == RouteAction::kDirect ? "direct"
                                                      : "sockd",
            ctx->refusal.empty() ? decision.reason : ctx->refusal.c_str(),
            decision.rule ? decision.rule->line : 0);
  if (syslog_enabled()) syslog_decision(LOG_INFO, route_line(*ctx, decision, asked));
  if (decision.rule && !decision.rule->shell_command.empty()) {
    run_rule_command(*decision.rule, client_shell_values(Command::kConnect, asked.name, asked.ip,
                                                         asked.port, ctx->env.username));
  }
  switch (decision.action) {
    case RouteAction::kDeny:
      // Unusable settings were reported once, when they were read.
      if (ctx->refusal.empty()) notify(denial_notice(*ctx, decision, asked));
      return failed_outcome(ECONNREFUSED, Route::kRefused);
    case RouteAction::kDirect:
      if (!asked.ip) return connect_directly_by_name(fd, asked.name, asked.port);
      return system_outcome(sys().connect(fd, address, length));
    case RouteAction::kSockd:
      return connect_through_servers(fd, *ctx, decision, asked, address, length);
  }
  return failed_outcome(EINVAL, Route::kRefused);
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

Outcome connect_socket(int fd, const sockaddr* address, socklen_t length) {
  if (std::optional<Outcome> repeated = repeated_connect(fd)) return *repeated;
  if (complete_deferred_bind(fd) != 0) return system_outcome(-1);
  std::optional<sockaddr_in> destination = ipv4_destination(address, length);
  if (!destination || !is_stream_socket(fd)) {
    if (refused_by_settings(fd, address, length)) {
      return failed_outcome(ECONNREFUSED, Route::kRefused);
    }
    if (address != nullptr && address->sa_family == AF_INET6) {
      debug_log("fd %d: IPv6 destination: SOCKS4 cannot carry it; connecting directly", fd);
    }
    return system_outcome(sys().connect(fd, address, length));
  }
  RouteQuery query;
  query.port = ntohs(destination->sin_port);
  // A fake address (client_names.h): the server resolves the name (4a).
  if (std::optional<std::string> name = remote_name_of(ntohl(destination->sin_addr.s_addr))) {
    query.name = *name;
  } else {
    query.ip = ntohl(destination->sin_addr.s_addr);
  }
  return connect_routed(fd, query, address, length);
}

Outcome connect_socket_to_name(int fd, const std::string& name, uint16_t port) {
  if (std::optional<Outcome> repeated = repeated_connect(fd)) return *repeated;
  if (complete_deferred_bind(fd) != 0) return system_outcome(-1);
  RouteQuery query;
  query.name = name;
  query.port = port;
  sockaddr_storage asked{};
  socklen_t asked_length = 0;
  if (std::optional<uint32_t> ip = fake_address_for(name)) {
    asked_length = sizeof asked;
    store_address(socket_family(fd), *ip, port, reinterpret_cast<sockaddr*>(&asked), &asked_length);
  }
  return connect_routed(
      fd, query, asked_length != 0 ? reinterpret_cast<sockaddr*>(&asked) : nullptr, asked_length);
}

}  // namespace socks4::client
