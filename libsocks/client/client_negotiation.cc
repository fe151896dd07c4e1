// The SOCKS negotiation state machine (see client_negotiation.h).
#include "socks4/client_negotiation.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <syslog.h>

#include <cerrno>
#include <cstring>

#include "socks4/client_log.h"
#include "socks4/client_notice.h"
#include "socks4/client_sys.h"
#include "socks4/client_syslog.h"
#include "socks4/client_unreachable.h"
#include "socks4/errno_result.h"

namespace socks4::client {
namespace {

std::optional<uint32_t> resolve_ipv4(const std::string& host) {
  in_addr numeric{};
  if (inet_pton(AF_INET, host.c_str(), &numeric) == 1) return ntohl(numeric.s_addr);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  return ip;
}

void fill_address(ServerEndpoint& server, int family) {
  if (family == AF_INET6) {
    auto* six = reinterpret_cast<sockaddr_in6*>(&server.address);
    six->sin6_family = AF_INET6;
    six->sin6_port = htons(server.port);
    six->sin6_addr.s6_addr[10] = 0xff;  // ::ffff:a.b.c.d
    six->sin6_addr.s6_addr[11] = 0xff;
    uint32_t net = htonl(server.ipv4);
    std::memcpy(&six->sin6_addr.s6_addr[12], &net, 4);
    server.length = sizeof(sockaddr_in6);
  } else {
    auto* four = reinterpret_cast<sockaddr_in*>(&server.address);
    four->sin_family = AF_INET;
    four->sin_port = htons(server.port);
    four->sin_addr.s_addr = htonl(server.ipv4);
    server.length = sizeof(sockaddr_in);
  }
}

// What the user is told about this request (client_notice.h); `kind` is ignored by SOCKS_SYSLOG's
// grant line, which takes only the server and the destination.
Notice notice_for(NoticeKind kind, std::span<const uint8_t> request, std::string server,
                  std::string reason) {
  RequestParse parsed = parse_request(request);
  Notice notice;
  notice.kind = kind;
  notice.command = parsed.request.command;
  notice.destination = destination_text(
      parsed.request.hostname, parsed.request.is_4a() ? 0 : parsed.request.ip, parsed.request.port);
  notice.server = std::move(server);
  notice.reason = std::move(reason);
  return notice;
}

}  // namespace

std::vector<ServerEndpoint> resolve_servers(const std::vector<ServerAddress>& servers, int family) {
  std::vector<ServerEndpoint> out;
  for (const ServerAddress& configured : servers) {
    ServerEndpoint server;
    server.label = configured.host + ":" + std::to_string(configured.port);
    std::optional<uint32_t> ip = resolve_ipv4(configured.host);
    if (!ip) {
      debug_log("cannot resolve SOCKS server %s; skipped", server.label.c_str());
      continue;
    }
    server.ipv4 = *ip;
    server.port = configured.port;
    fill_address(server, family);
    out.push_back(std::move(server));
  }
  return out;
}

int errno_for_reply(ReplyCode code) {
  switch (code) {
    case ReplyCode::kGranted:
      return 0;
    case ReplyCode::kRejected:
      return ECONNREFUSED;
    case ReplyCode::kNoIdentd:
    case ReplyCode::kIdentMismatch:
      return EACCES;
  }
  return EPROTO;
}

Negotiation::Negotiation(std::vector<ServerEndpoint> servers, std::vector<uint8_t> request,
                         const ClientTimeouts& timeouts)
    : servers_(std::move(servers)), request_(std::move(request)), timeouts_(timeouts) {}

bool Negotiation::is_bind() const {
  return request_.size() > 1 && request_[1] == static_cast<uint8_t>(Command::kBind);
}

Progress Negotiation::progress() const {
  if (step_ == Step::kDone) return Progress::kDone;
  if (step_ == Step::kFailed) return Progress::kFailed;
  return Progress::kPending;
}

short Negotiation::wanted_events() const {
  switch (step_) {
    case Step::kConnecting:
    case Step::kSending:
      return POLLOUT;
    case Step::kFirstReply:
    case Step::kSecondReply:
      return POLLIN;
    default:
      return 0;
  }
}

int Negotiation::remaining_ms() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count()) + 1;
}

Progress Negotiation::fail(int error) {
  step_ = Step::kFailed;
  error_ = error;
  return Progress::kFailed;
}

Progress Negotiation::start(int fd) {
  if (servers_.empty()) return fail(EHOSTUNREACH);
  if (request_.empty()) return fail(EINVAL);
  unreachable_servers().order(servers_, Clock::now());
  index_ = 0;
  return connect_current(fd);
}

Progress Negotiation::connect_current(int fd) {
  const ServerEndpoint& server = servers_[index_];
  debug_log("fd %d: connecting to SOCKS server %s", fd, server.label.c_str());
  int rc = sys().connect(fd, reinterpret_cast<const sockaddr*>(&server.address), server.length);
  if (rc == 0) {
    unreachable_servers().clear(server.ipv4, server.port);
    step_ = Step::kSending;
    set_deadline(timeouts_.reply_ms);
    return advance(fd);
  }
  if (errno == EINPROGRESS || errno == EINTR) {
    step_ = Step::kConnecting;
    set_deadline(timeouts_.server_connect_ms);
    return Progress::kPending;
  }
  return next_server(fd, errno);
}

Progress Negotiation::next_server(int fd, int error) {
  const ServerEndpoint& failed = servers_[index_];
  debug_log("fd %d: SOCKS server %s unreachable: %s", fd, failed.label.c_str(),
            std::strerror(error));
  unreachable_servers().mark(failed.ipv4, failed.port, Clock::now());
  if (index_ + 1 >= servers_.size()) {
    std::string tried;
    for (const ServerEndpoint& server : servers_) {
      tried += (tried.empty() ? "" : ", ") + server.label;
    }
    notify(notice_for(NoticeKind::kServerUnreachable, request_, tried, std::strerror(error)));
    return fail(error);
  }
  ++index_;
  // Dissolve the failed (or still pending) attempt so the socket can connect again.
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  sys().connect(fd, &unspec, sizeof unspec);
  return connect_current(fd);
}

Progress Negotiation::advance(int fd) {
  while (true) {
    switch (step_) {
      case Step::kConnecting: {
        pollfd p{fd, POLLOUT, 0};
        int ready = sys().poll(&p, 1, 0);
        if (ready < 0 && errno != EINTR) return fail(errno);
        if (ready <= 0) return expired() ? next_server(fd, ETIMEDOUT) : Progress::kPending;
        int error = 0;
        socklen_t length = sizeof error;
        if (sys().getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return fail(errno);
        if (error != 0) return next_server(fd, error);
        unreachable_servers().clear(servers_[index_].ipv4, servers_[index_].port);
        step_ = Step::kSending;
        set_deadline(timeouts_.reply_ms);
        break;
      }
      case Step::kSending: {
        ssize_t n = sys().send(fd, request_.data() + sent_, request_.size() - sent_,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
          if (!would_block(errno)) return fail(errno);
          return expired() ? fail(ETIMEDOUT) : Progress::kPending;
        }
        sent_ += static_cast<size_t>(n);
        if (sent_ == request_.size()) step_ = Step::kFirstReply;
        break;
      }
      case Step::kFirstReply:
      case Step::kSecondReply: {
        Progress p = read_reply(fd);
        if (p == Progress::kPending && expired()) return fail(ETIMEDOUT);
        return p;
      }
      case Step::kDone:
        return Progress::kDone;
      case Step::kFailed:
        return Progress::kFailed;
    }
  }
}

// Reads exactly the 8 reply bytes, never more: relayed data may follow at once.
Progress Negotiation::read_reply(int fd) {
  while (received_ < kReplySize) {
    ssize_t n = sys().recv(fd, reply_.data() + received_, kReplySize - received_, MSG_DONTWAIT);
    if (n == 0) return fail(ECONNRESET);
    if (n < 0) return would_block(errno) ? Progress::kPending : fail(errno);
    received_ += static_cast<size_t>(n);
  }
  ReplyParse parsed = parse_reply(reply_);
  if (parsed.status != ParseStatus::kComplete) return fail(EPROTO);
  received_ = 0;
  if (parsed.reply.code != ReplyCode::kGranted) {
    debug_log("fd %d: SOCKS server %s answered %d", fd, server().label.c_str(),
              static_cast<int>(parsed.reply.code));
    notify(notice_for(NoticeKind::kServerRefused, request_, server().label,
                      reply_reason(parsed.reply.code)));
    return fail(errno_for_reply(parsed.reply.code));
  }
  if (step_ == Step::kFirstReply && syslog_enabled()) {
    // The grant, for SOCKS_SYSLOG (a BIND's second reply is the connection it waited for).
    const Notice asked = notice_for(NoticeKind::kServerRefused, request_, server().label, "");
    syslog_decision(LOG_INFO, "sockd " + asked.server + " granted " +
                                  (is_bind() ? "BIND" : "CONNECT") + " to " + asked.destination);
  }
  if (step_ == Step::kFirstReply && is_bind()) {
    first_reply_ = parsed.reply;
    bound_ = true;
    step_ = Step::kSecondReply;
    set_deadline(timeouts_.accept_ms);
    return Progress::kPending;
  }
  (step_ == Step::kFirstReply ? first_reply_ : second_reply_) = parsed.reply;
  step_ = Step::kDone;
  return Progress::kDone;
}

}  // namespace socks4::client
