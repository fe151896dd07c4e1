#include "session.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log.h"
#include "monotonic_clock.h"
#include "relay.h"
#include "socks4/errno_result.h"
#include "worker.h"

namespace sockd {

using socks4::would_block;

Session::Session(Worker& worker, socks4::UniqueFd client, const Endpoint& peer,
                 std::shared_ptr<const ActiveConfig> config, ClientSlot slot)
    : worker_(worker),
      slot_(std::move(slot)),
      config_(std::move(config)),
      client_(std::make_unique<WatchedSocket>(std::move(client))),
      peer_(peer),
      peer_text_(peer.to_string()) {}

void Session::start(std::list<Session>::iterator self) {
  self_ = self;
  event_base* base = worker_.base();
  timer_.reset(evtimer_new(base, &Session::on_timer, this));
  if (!client_->watch(base, this) || !timer_) {
    drop("cannot register events -> closed");
    return;
  }
  log::debug("%s connected", peer_text_.c_str());
  // The request often arrives with the connection: try before waiting for readiness.
  client_->readable = true;
  read_request(true);
}

void Session::on_socket_event(WatchedSocket&, short) {
  if (!client_->readable) return;
  if (phase_ == Phase::kRequest) {
    read_request(false);
  } else if (phase_ == Phase::kAwaitingInbound) {
    read_while_awaiting_inbound();
  } else {
    read_early_data();
  }
}

void Session::on_timer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Session*>(arg);
  const auto& settings = self->config_->config.settings;
  if (self->phase_ == Phase::kRequest) {
    self->worker_.stats().refused_early(stats::Reason::kTimeout, self->peer_text_,
                                        "negotiation timed out");
    self->drop("negotiation timed out after " + std::to_string(settings.negotiate_timeout_s) +
               "s -> closed");
  } else if (self->phase_ == Phase::kAwaitingInbound) {
    self->bind_listener_.reset();  // the port refuses before the client hears of the failure
    self->reject(stats::Reason::kTimeout, "inbound connection timed out after " +
                                              std::to_string(settings.connect_timeout_s) + "s");
  } else {
    self->reject(stats::Reason::kTimeout,
                 "connect timed out after " + std::to_string(settings.connect_timeout_s) + "s");
  }
}

void Session::read_request(bool before_registration) {
  // Edge-triggered: read until the request is complete or the socket has nothing more.
  for (;;) {
    ssize_t n = recv(client_fd(), buffer_.data(), buffer_.size(), 0);
    // Before the event reaches epoll (on the next loop pass), a short read has emptied the
    // socket: epoll reports whatever comes after it (bytes, EOF, a reset) once the event is
    // registered, so no recv() is needed just to hear EAGAIN — and the relay will not take a
    // pipe to look for bytes that are not there.
    const bool drained = before_registration && n >= 0 && static_cast<size_t>(n) < buffer_.size();
    if (drained) client_->readable = false;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && would_block(errno)) {
      client_->readable = false;
      if (before_registration) arm_negotiation_timer();
      return;
    }
    if (n <= 0 && health_check_ && !request_started_) {
      log::debug("%s health check (PROXY LOCAL) closed", peer_text_.c_str());
      end();
      return;
    }
    if (n < 0) {
      drop(std::string("read failed during negotiation: ") + strerror(errno) + " -> closed");
      return;
    }
    if (n == 0) {
      drop("closed the connection before completing a request -> closed");
      return;
    }
    request_started_ = true;
    size_t consumed = 0;
    switch (parser_.feed({buffer_.data(), static_cast<size_t>(n)}, &consumed)) {
      case socks4::ParseStatus::kNeedMore:
        if (drained) {
          arm_negotiation_timer();
          return;
        }
        continue;  // the parser keeps what it has; buffer_ is free again
      case socks4::ParseStatus::kInvalid: {
        socks4::ParseError error = parser_.error();
        bool reply = socks4::reply_makes_sense(error);
        worker_.stats().refused_early(stats::Reason::kMalformed, peer_text_,
                                      std::string("bad request: ") + socks4::to_string(error));
        // Logged before the reply, like every rejection (see reject()).
        if (log::json()) {
          const std::string reason = std::string("bad request: ") + socks4::to_string(error);
          log::Event bad;
          bad.client = peer_text_;
          bad.result = reply ? "rejected" : "closed";
          bad.reason = reason;
          log::event(bad);
        } else {
          log::info("%s bad request: %s -> %s", peer_text_.c_str(), socks4::to_string(error),
                    reply ? "rejected" : "closed");
        }
        if (reply) send_reply(socks4::ReplyCode::kRejected);
        close_client();
        end();
        return;
      }
      case socks4::ParseStatus::kComplete:
        // What else the socket may hold stays there (and readable set) for the next event
        // or the relay.
        early_size_ = static_cast<size_t>(n) - consumed;
        std::memmove(buffer_.data(), buffer_.data() + consumed, early_size_);
        dispatch();
        return;
    }
  }
}

void Session::arm_negotiation_timer() {
  // Only for a request that did not come whole with the connection (most do): one timer
  // operation less per connection. Armed before the loop waits, so the limit still runs from
  // (microseconds after) the accept. Behind a balancer, what the PROXY header left of it.
  int result;
  if (negotiation_deadline_ms_ != 0) {
    const int64_t left = std::max<int64_t>(0, negotiation_deadline_ms_ - monotonic_ms());
    const timeval rest{static_cast<time_t>(left / 1000),
                       static_cast<suseconds_t>(left % 1000 * 1000)};
    result = evtimer_add(timer_.get(), &rest);
  } else {
    result =
        evtimer_add(timer_.get(), worker_.timeout(config_->config.settings.negotiate_timeout_s));
  }
  if (result != 0) drop("cannot register events -> closed");
}

void Session::read_early_data() {
  // Until the buffer is full or the socket says EAGAIN; EOF is left for the relay to see
  // again. A full buffer leaves the rest in the kernel (and readable set) for the relay.
  while (early_size_ < buffer_.size()) {
    ssize_t n = recv(client_fd(), buffer_.data() + early_size_, buffer_.size() - early_size_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && would_block(errno)) {
      client_->readable = false;
      return;
    }
    if (n < 0) {
      drop(describe() + " -> closed (client connection failed: " + strerror(errno) + ")");
      return;
    }
    if (n == 0) return;
    early_size_ += static_cast<size_t>(n);
  }
}

void Session::dispatch() {
  phase_ = Phase::kConnecting;
  request_us_ = stats::monotonic_us();
  slot_.end_negotiation();  // the request is complete: the server's turn
  if (log::debug_enabled()) {
    log::debug("%s request %s, %zu bytes after it", peer_text_.c_str(), describe().c_str(),
               early_size_);
  }
  if (config_->identd_may_be_needed) {
    evtimer_del(timer_.get());  // the query has its own time limit
    ask_identd();               // then admit()
    return;
  }
  admit();
}

void Session::connect_to(std::vector<Endpoint> addresses) {
  if (log::debug_enabled()) {
    for (const Endpoint& address : addresses)
      log::debug("%s will try %s", peer_text_.c_str(), address.to_string().c_str());
  }
  connector_.emplace(worker_.base());
  connector_->start(
      std::move(addresses), deadline_ms_ - monotonic_ms(),
      [this](int error, WatchedSocketPtr server, const Endpoint& peer) {
        on_connected(error, std::move(server), peer);
      },
      true);  // timer_ ends the connect phase at deadline_ms_
}

void Session::on_connected(int error, WatchedSocketPtr server, const Endpoint& peer) {
  if (error == ETIMEDOUT) {
    // The connector's share of the budget and the session's own timer end together; whichever
    // fires first, the log says the same thing.
    reject(stats::Reason::kTimeout, "connect timed out after " +
                                        std::to_string(config_->config.settings.connect_timeout_s) +
                                        "s");
    return;
  }
  if (error != 0) {
    reject(stats::Reason::kConnect, std::string("connect failed: ") + strerror(error));
    return;
  }
  const std::string description = describe();
  const std::string resolved =
      parser_.request().is_4a() ? " (" + peer.address_text() + ")" : std::string();
  // Counted before the reply: the client may send its BIND (to another thread) right after it.
  PrimaryHold primary(worker_.context().primaries, peer_, peer);
  // The line before the reply, as for a refusal: whoever reads the log once the client acts
  // finds it there.
  if (log::json()) {
    log_event("granted", {}, parser_.request().is_4a() ? peer.address_text() : std::string());
  } else {
    log::info("%s %s%s -> granted", peer_text_.c_str(), description.c_str(), resolved.c_str());
  }
  if (!send_reply(socks4::ReplyCode::kGranted, parser_.request().is_4a() ? &peer : nullptr)) {
    drop(description + resolved + " -> closed (cannot send the reply: " + strerror(errno) + ")");
    return;
  }
  worker_.stats().granted(socks4::Command::kConnect, request_us_);
  start_relay(std::move(server), peer, std::move(primary));
}

void Session::start_relay(WatchedSocketPtr other, const Endpoint& other_peer, PrimaryHold primary,
                          std::unique_ptr<const Relay::HopRoute> hop) {
  // The relay takes both sockets over with their events as they are, and the bytes the client
  // sent after its request.
  timer_.reset();
  Relay::Params params{std::move(client_),
                       std::move(other),
                       peer_,
                       other_peer,
                       {buffer_.data(), early_size_},
                       config_->config.settings.idle_timeout_s,
                       std::move(slot_),
                       std::move(primary),
                       stats::label_for(parser_.request()),
                       std::move(hop)};
  worker_.start_relay(std::move(params));
  end();
}

std::string Session::describe() const {
  const socks4::Request& request = parser_.request();
  std::string text;
  text.reserve(48 + request.user_id.size() + request.hostname.size());
  text += request.command == socks4::Command::kBind ? "BIND user=" : "CONNECT user=";
  log::append_sanitized(text, request.user_id);
  text += ' ';
  if (request.is_4a()) {
    log::append_sanitized(text, request.hostname);
    text += ':';
    text += std::to_string(request.port);
  } else {
    char destination[Endpoint::kTextSize];
    text += Endpoint::ipv4(request.ip, request.port).format(destination);
  }
  return text;
}

std::string Session::destination_text() const {
  const socks4::Request& request = parser_.request();
  char address[Endpoint::kTextSize];
  return request.is_4a() ? request.hostname + ":" + std::to_string(request.port)
                         : std::string(Endpoint::ipv4(request.ip, request.port).format(address));
}

void Session::log_event(std::string_view result, std::string_view reason, std::string_view resolved,
                        std::string_view via) const {
  const socks4::Request& request = parser_.request();
  const std::string destination = destination_text();
  log::Event event;
  event.client = peer_text_;
  event.user = request.user_id;
  event.command = request.command == socks4::Command::kBind ? "BIND" : "CONNECT";
  event.destination = destination;
  event.resolved = resolved;
  event.result = result;
  event.reason = reason;
  event.via = via;
  log::event(event);
}

bool Session::send_reply(socks4::ReplyCode code, const Endpoint* address) {
  const socks4::Request& request = parser_.request();
  socks4::Reply fields{code, request.port, request.ip};
  if (address && address->ipv4_address()) fields = {code, address->port, *address->ipv4_address()};
  auto reply = socks4::encode_reply(fields);
  // A fresh socket's send buffer always has room for 8 bytes; anything else is a dead client.
  return send(client_fd(), reply.data(), reply.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(reply.size());
}

void Session::reject(stats::Reason why, const std::string& reason, socks4::ReplyCode code) {
  worker_.stats().refused(parser_.request().command, why, request_us_,
                          phase_ == Phase::kAwaitingInbound, peer_text_, describe(), reason);
  // Logged before the reply, so a client that has its 91 finds the reason already written.
  if (log::json()) {
    log_event("rejected", reason);
  } else {
    log::info("%s %s -> rejected (%s)", peer_text_.c_str(), describe().c_str(), reason.c_str());
  }
  send_reply(code);
  close_client();
  end();
}

void Session::close_client() {
  shutdown(client_fd(), SHUT_WR);
  // Bounded: whatever is queued now, up to 64 KiB.
  for (int i = 0; i < 64; ++i) {
    if (recv(client_fd(), buffer_.data(), buffer_.size(), MSG_DONTWAIT) <= 0) break;
  }
  client_.reset();
}

void Session::drop(const std::string& what) {
  log::info("%s %s", peer_text_.c_str(), what.c_str());
  end();
}

void Session::end() {
  worker_.end_session(self_);
}

}  // namespace sockd
