// Next hops for a session: after the access rules have permitted the request, the outbound
// routes (outbound_route.h) may send it to a next-hop SOCKS server instead of connecting
// directly; a BIND follows its primary CONNECT's hop (hop_primaries.h). The hop's replies are
// the client's replies, byte for byte; the relay then runs between the client and the hop.
// sockd.conf(5), "NEXT HOP".
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "log.h"
#include "monotonic_clock.h"
#include "session.h"
#include "worker.h"

namespace sockd {

OutboundQuery Session::outbound_query() const {
  const socks4::Request& request = parser_.request();
  return {request.hostname, request.port, user_sent_on()};
}

std::string Session::user_sent_on() const {
  if (identd_ && identd_->answered && identd_->answer.kind == socks4::identd::AnswerKind::kUser)
    return identd_->answer.user;
  return parser_.request().user_id;
}

bool Session::route_name_first(bool name_admitted) {
  if (bind_follows_named_primary(name_admitted)) return true;
  if (!config_->config.outbound) return false;
  OutboundRoute route = route_name(config_->config, outbound_query());
  if (route.action == HopAction::kDirect) return false;  // resolved here
  if (!name_admitted && !settle(admit_name(config_->config, admission_request()))) return true;
  if (route.action == HopAction::kDeny) {
    reject(stats::Reason::kRule, route.via);
    return true;
  }
  const socks4::Request& request = parser_.request();
  ask_next_hop(std::move(route),
               {request.command, request.port, request.ip, user_sent_on(), request.hostname});
  return true;
}

bool Session::bind_follows_named_primary(bool name_admitted) {
  const socks4::Request& request = parser_.request();
  if (request.command != socks4::Command::kBind) return false;
  auto hop = worker_.context().hop_primaries.hop_for_name(peer_, request.hostname);
  if (!hop) return false;
  // As for a name passed on: the rules decide the name; the hop resolves it.
  if (!name_admitted && !settle(admit_name(config_->config, admission_request()))) return true;
  ask_next_hop(
      {HopAction::kNextHop, {*hop}, "primary CONNECT"},
      {socks4::Command::kBind, request.port, request.ip, user_sent_on(), request.hostname});
  return true;
}

bool Session::pass_on_unresolved(int error, bool name_admitted) {
  OutboundRoute route = route_unresolved(config_->config, outbound_query());
  if (route.action == HopAction::kDirect) return false;  // nowhere to pass it on to
  const socks4::Request& request = parser_.request();
  // Debug only: the granted line already says "via HOP (next_hop)"; one line per request.
  if (log::debug_enabled()) {
    log::debug("%s %s: cannot resolve here (%s)", peer_text_.c_str(), describe().c_str(),
               DnsLookup::error_text(error));
  }
  // The rules decide the name as they would before any DNS: the next hop resolves it.
  if (!name_admitted && !settle(admit_name(config_->config, admission_request()))) return true;
  if (route.action == HopAction::kDeny) {
    reject(stats::Reason::kRule, route.via);
    return true;
  }
  ask_next_hop(std::move(route),
               {request.command, request.port, request.ip, user_sent_on(), request.hostname});
  return true;
}

bool Session::route_outbound(Admission& admission) {
  const socks4::Request& request = parser_.request();
  std::vector<uint32_t> candidates;
  if (!request.is_4a()) {
    candidates.push_back(request.ip);
  } else {
    for (const Endpoint& address : admission.addresses) {
      if (auto ip = address.ipv4_address()) candidates.push_back(*ip);
    }
  }
  if (request.command == socks4::Command::kBind) {
    // The application server connects back to where the primary CONNECT came from: the hop.
    for (uint32_t ip : candidates) {
      auto hop = worker_.context().hop_primaries.hop_for(peer_, Endpoint::ipv4(ip, 0));
      if (!hop) continue;
      ask_next_hop({HopAction::kNextHop, {*hop}, "primary CONNECT"},
                   {socks4::Command::kBind, request.port, ip, user_sent_on(), {}});
      return true;
    }
    return false;
  }
  if (!config_->config.outbound) return false;
  // The first IPv4 address decides; a name with IPv6 addresses only, the catch-all lines.
  const std::optional<uint32_t> first =
      candidates.empty() ? std::nullopt : std::optional<uint32_t>(candidates.front());
  OutboundRoute route = route_address(config_->config, first, outbound_query());
  if (route.action == HopAction::kDeny) {
    reject(stats::Reason::kRule, route.via);
    return true;
  }
  if (route.action == HopAction::kNextHop) {
    // SOCKS 4 cannot name an IPv6 address: such a name goes to the hop unresolved.
    ask_next_hop(
        std::move(route),
        first ? socks4::Request{socks4::Command::kConnect, request.port, *first, user_sent_on(), {}}
              : socks4::Request{socks4::Command::kConnect, request.port, request.ip, user_sent_on(),
                                request.hostname});
    return true;
  }
  // Direct: only to the addresses the file sends direct.
  std::erase_if(admission.addresses, [&](const Endpoint& address) {
    return route_address(config_->config, address.ipv4_address(), outbound_query()).action !=
           HopAction::kDirect;
  });
  return false;
}

void Session::ask_next_hop(OutboundRoute route, const socks4::Request& request) {
  via_ = std::move(route.via);
  if (log::debug_enabled()) {
    for (const Endpoint& hop : route.hops)
      log::debug("%s will ask next hop %s (%s)", peer_text_.c_str(), hop.to_string().c_str(),
                 via_.c_str());
  }
  next_hop_.emplace(worker_.base());
  next_hop_->start(std::move(route.hops), request, deadline_ms_ - monotonic_ms(),
                   [this](NextHopResult result) { on_next_hop_reply(std::move(result)); });
}

bool Session::send_hop_reply(const socks4::Reply& reply) {
  auto bytes = socks4::encode_reply(reply);
  return send(client_fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(bytes.size());
}

void Session::end_with_hop_reply(const std::string& what, const std::optional<socks4::Reply>& reply,
                                 const std::string& reason) {
  // The next hop's refusal is a failed connection as far as this server is concerned.
  worker_.stats().refused(parser_.request().command, stats::Reason::kConnect, request_us_,
                          phase_ == Phase::kAwaitingInbound, peer_text_, what, reason);
  // Logged before the reply, as in reject().
  if (log::json()) {
    log_event("rejected", reason, {}, reply ? what : std::string());
  } else {
    log::info("%s %s -> rejected (%s)", peer_text_.c_str(), what.c_str(), reason.c_str());
  }
  if (reply) {
    send_hop_reply(*reply);
  } else {
    send_reply(socks4::ReplyCode::kRejected);
  }
  close_client();
  end();
}

void Session::on_next_hop_reply(NextHopResult result) {
  if (!result.failure.empty() && result.reply) {
    log::info("%s %s: %s; asked the next", peer_text_.c_str(), describe().c_str(),
              result.failure.c_str());
  }
  const std::string description = describe();
  if (!result.reply) {
    end_with_hop_reply(description, std::nullopt, "no next hop answered: " + result.failure);
    return;
  }
  const std::string hop = result.hop.to_string();
  const socks4::Reply& reply = *result.reply;
  if (reply.code != socks4::ReplyCode::kGranted) {
    end_with_hop_reply(description, reply,
                       "rejected by next hop " + hop + " (" + via_ + "), code " +
                           std::to_string(static_cast<int>(reply.code)));
    return;
  }
  const bool is_bind = parser_.request().command == socks4::Command::kBind;
  const Endpoint replied = Endpoint::ipv4(reply.ip, reply.port);
  PrimaryHold primary;
  if (!is_bind) {
    // The destination as the hop names it (a 4a reply carries its address), else DSTIP.
    std::optional<uint32_t> destination;
    if (reply.ip != 0 && !socks4::is_4a_marker(reply.ip)) destination = reply.ip;
    if (!destination && !parser_.request().is_4a()) destination = parser_.request().ip;
    Endpoint primary_destination;  // AF_UNSPEC: the hop named no address (0.0.0.0)
    if (destination) {
      primary_destination = Endpoint::ipv4(*destination, 0);
      primary = PrimaryHold(worker_.context().primaries, peer_, primary_destination);
    }
    // A 4a CONNECT is a primary by its name too: a BIND by that name follows it to the hop
    // even when the hop's reply named no address.
    primary.set_hop(HopHold(worker_.context().hop_primaries, peer_, primary_destination,
                            parser_.request().hostname, result.hop));
  }
  const std::string detail =
      is_bind ? " (next hop listening on " + replied.to_string() + ")"
              : (parser_.request().is_4a() && reply.ip != 0 ? " (" + replied.address_text() + ")"
                                                            : std::string());
  // The line before the reply (see Session::on_connected).
  if (log::json()) {
    log_event("granted", is_bind ? "next hop listening on " + replied.to_string() : std::string(),
              {}, hop);
  } else {
    log::info("%s %s%s -> granted via %s (%s)", peer_text_.c_str(), description.c_str(),
              detail.c_str(), hop.c_str(), via_.c_str());
  }
  if (!send_hop_reply(reply)) {
    drop(description + " -> closed (cannot send the reply: " + strerror(errno) + ")");
    return;
  }
  worker_.stats().granted(parser_.request().command, request_us_);
  worker_.stats().granted_via(hop);
  if (!is_bind) {
    auto route =
        std::make_unique<const Relay::HopRoute>(Relay::HopRoute{destination_text(), result.hop});
    start_relay(std::move(result.socket), result.hop, std::move(primary), std::move(route));
    return;
  }
  // BIND: the second reply comes from the hop when its inbound connection arrives.
  phase_ = Phase::kAwaitingInbound;
  evtimer_add(timer_.get(), worker_.timeout(config_->config.settings.connect_timeout_s));
  next_hop_->await_second_reply(
      [this](NextHopResult second) { on_next_hop_second_reply(std::move(second)); });
}

void Session::on_next_hop_second_reply(NextHopResult result) {
  const std::string what = "BIND inbound via " + result.hop.to_string();
  if (!result.reply || result.reply->code != socks4::ReplyCode::kGranted || !result.socket) {
    end_with_hop_reply(what, result.reply,
                       result.reply ? "refused by the next hop" : result.failure);
    return;
  }
  const Endpoint from = Endpoint::ipv4(result.reply->ip, result.reply->port);
  log::info("%s %s from %s -> granted", peer_text_.c_str(), what.c_str(), from.to_string().c_str());
  if (!send_hop_reply(*result.reply)) {
    drop(what + " -> closed (cannot send the reply: " + strerror(errno) + ")");
    return;
  }
  // The inbound connection, as the hop reports where it came from.
  auto route =
      std::make_unique<const Relay::HopRoute>(Relay::HopRoute{from.to_string(), result.hop});
  start_relay(std::move(result.socket), result.hop, PrimaryHold(), std::move(route));
}

}  // namespace sockd
