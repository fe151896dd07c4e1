// BIND (CD=2): after the admission (session_admission.cc; a 4a BIND resolves its name first)
// and the primary-connection check, listen on the address that faces DSTIP, send the first reply
// with that address and port, accept one inbound connection, check that it comes from DSTIP, send
// the second reply and hand both sockets to a Relay. The session's timer bounds the wait; the
// listener closes with the session (client failed, time limit, primary connection closed) or
// right after its one accept. A client's half-close while waiting is kept for the relay.
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "log.h"
#include "session.h"
#include "socks4/errno_result.h"
#include "worker.h"

namespace sockd {

void Session::bind_to(const Admission& admission) {
  const socks4::Request& request = parser_.request();
  if (!request.is_4a()) {
    listen_for_inbound(request.ip);
    return;
  }
  // The first permitted IPv4 address (a BIND reply can only name IPv4), unless the client
  // holds its primary connection to another of the name's addresses: that is the server that
  // will connect back.
  std::optional<uint32_t> chosen;
  for (const Endpoint& address : admission.addresses) {
    // As the rules saw it: ::1 is 127.0.0.1.
    const socks4::IpAddress rule_address = address.rule_address();
    if (rule_address.is_ipv6) continue;
    const std::optional<uint32_t> ip = rule_address.ipv4_host_order();
    if (!chosen) chosen = ip;
    if (worker_.context().primaries.holds(peer_, Endpoint::ipv4(*ip, 0))) {
      chosen = ip;
      break;
    }
  }
  if (!chosen) {
    reject(stats::Reason::kResolve,
           admission.refusal.empty()
               ? "cannot resolve " + log::sanitize(request.hostname) + ": no IPv4 address"
               : admission.refusal);
    return;
  }
  resolved_text_ = " (" + Endpoint::ipv4(*chosen, 0).address_text() + ")";
  listen_for_inbound(*chosen);
}

void Session::listen_for_inbound(uint32_t destination_ip) {
  const auto& settings = config_->config.settings;
  const Endpoint destination = Endpoint::ipv4(destination_ip, 0);
  // Checked and counted in one step, so that a primary closing meanwhile is never missed.
  bind_waiter_ = std::make_shared<BindWaiter>(BindWaiter{[this] { on_primary_closed(); }});
  std::string refusal;
  waiting_bind_ = worker_.context().primaries.admit_bind(
      peer_, destination,
      {settings.bind_requires_connect, settings.max_binds_per_connection,
       settings.max_binds_per_source},
      worker_.bind_wakeups(), bind_waiter_, &refusal);
  if (!waiting_bind_) {
    reject(stats::Reason::kLimit, refusal);
    return;
  }
  bind_destination_ = destination_ip;
  bind_listener_.emplace(worker_.base());
  std::string error;
  if (!bind_listener_->open(destination_ip, &error)) {
    reject(stats::Reason::kConnect, error);
    return;
  }
  if (!bind_listener_->start([this](int error, socks4::UniqueFd inbound, const Endpoint& from) {
        on_inbound(error, std::move(inbound), from);
      })) {
    reject(stats::Reason::kConnect, "cannot register the listening socket");
    return;
  }
  const std::string listening = bind_listener_->address().to_string();
  // Each line before its reply (see on_connected).
  if (log::json()) {
    log_event("granted", "listening on " + listening);
  } else {
    log::info("%s %s%s -> granted (listening on %s)", peer_text_.c_str(), describe().c_str(),
              resolved_text_.c_str(), listening.c_str());
  }
  if (!send_reply(socks4::ReplyCode::kGranted, &bind_listener_->address())) {
    drop(describe() + resolved_text_ + " -> closed (cannot send the reply: " + strerror(errno) +
         ")");
    return;
  }
  worker_.stats().granted(socks4::Command::kBind, request_us_);
  // The whole limit for the inbound connection, from the first reply on.
  phase_ = Phase::kAwaitingInbound;
  evtimer_add(timer_.get(), worker_.timeout(settings.connect_timeout_s));
}

void Session::read_while_awaiting_inbound() {
  // Edge-triggered: read until EAGAIN. A full buffer leaves the rest in the kernel until the
  // relay starts (the timer still bounds this).
  while (early_size_ < buffer_.size() && !client_ended_) {
    ssize_t n = recv(client_fd(), buffer_.data() + early_size_, buffer_.size() - early_size_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && socks4::would_block(errno)) {
      client_->readable = false;
      return;
    }
    if (n == 0) {
      // A half-close (sockd cannot tell it from a close): the client has sent all it will, and
      // may still want what the application server sends back. Keep waiting, as CONNECT does
      // while connecting; `readable` stays set, so the relay reads the EOF again and passes it
      // on. The timer, the primary connection and a reset still end the wait.
      client_ended_ = true;
      log::debug("%s %s%s: client half-closed while waiting for the inbound connection",
                 peer_text_.c_str(), describe().c_str(), resolved_text_.c_str());
      return;
    }
    if (n < 0) {
      // The client failed: the session ends, and the listener with it (first, so the port
      // refuses before the log line tells of it).
      bind_listener_.reset();
      drop(describe() + resolved_text_ + " -> closed (client failed: " + strerror(errno) +
           " while waiting for the inbound connection)");
      return;
    }
    // Bytes for the application server, sent once the relay starts.
    early_size_ += static_cast<size_t>(n);
  }
}

void Session::on_primary_closed() {
  if (phase_ != Phase::kAwaitingInbound || !bind_listener_) return;
  bind_listener_.reset();  // the port refuses before the client hears of it
  reject(stats::Reason::kConnect, "primary connection closed");
}

void Session::on_inbound(int error, socks4::UniqueFd inbound, const Endpoint& from) {
  bind_listener_.reset();  // already closed; nothing of it is in use any more
  waiting_bind_.reset();   // no longer waiting: the limits and the primary are done with it
  if (error != 0) {
    reject(stats::Reason::kConnect,
           std::string("cannot accept the inbound connection: ") + strerror(error));
    return;
  }
  const std::string what = "BIND inbound from " + from.to_string();
  if (from.ipv4_address() != bind_destination_) {
    log::info("%s %s -> rejected (inbound from %s, expected %s)", peer_text_.c_str(), what.c_str(),
              from.address_text().c_str(),
              Endpoint::ipv4(bind_destination_, 0).address_text().c_str());
    worker_.stats().refused(socks4::Command::kBind, stats::Reason::kRule, request_us_, true,
                            peer_text_, what, "inbound from another address");
    send_reply(socks4::ReplyCode::kRejected, &from);  // after the line, as in reject()
    inbound.reset();
    close_client();
    end();
    return;
  }
  log::info("%s %s -> granted", peer_text_.c_str(), what.c_str());
  if (!send_reply(socks4::ReplyCode::kGranted, &from)) {
    drop(what + " -> closed (cannot send the reply: " + strerror(errno) + ")");
    return;
  }
  auto watched_inbound = std::make_unique<WatchedSocket>(std::move(inbound));
  if (!watched_inbound->watch(worker_.base(), nullptr)) {
    drop(what + " -> closed (cannot register events)");
    return;
  }
  start_relay(std::move(watched_inbound), from, PrimaryHold());  // a BIND is nobody's primary
}

}  // namespace sockd
