#include "session.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "log.h"
#include "relay.h"
#include "worker.h"

namespace sockd {
namespace {

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

}  // namespace

Session::Session(Worker& worker, socks4::UniqueFd client, const Endpoint& peer,
                 std::shared_ptr<const ActiveConfig> config, ClientSlot slot)
    : worker_(worker),
      slot_(std::move(slot)),
      config_(std::move(config)),
      client_(std::move(client)),
      peer_(peer),
      peer_text_(peer.to_string()) {}

void Session::start(std::list<Session>::iterator self) {
  self_ = self;
  event_base* base = worker_.base();
  read_event_.reset(
      event_new(base, client_.get(), EV_READ | EV_PERSIST, &Session::on_client_readable, this));
  timer_.reset(evtimer_new(base, &Session::on_timer, this));
  const int timeout_s = config_->config.settings.negotiate_timeout_s;
  if (!read_event_ || !timer_ || event_add(read_event_.get(), nullptr) != 0 ||
      evtimer_add(timer_.get(), worker_.timeout(timeout_s)) != 0) {
    drop("cannot register events -> closed");
    return;
  }
  log::debug("%s connected", peer_text_.c_str());
  // The request often arrives with the connection: try before waiting for readiness.
  read_request();
}

void Session::on_client_readable(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Session*>(arg);
  if (self->phase_ == Phase::kRequest) {
    self->read_request();
  } else if (self->phase_ == Phase::kAwaitingInbound) {
    self->read_while_awaiting_inbound();
  } else {
    self->read_early_data();
  }
}

void Session::on_timer(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Session*>(arg);
  const auto& settings = self->config_->config.settings;
  if (self->phase_ == Phase::kRequest) {
    self->drop("negotiation timed out after " + std::to_string(settings.negotiate_timeout_s) +
               "s -> closed");
  } else if (self->phase_ == Phase::kAwaitingInbound) {
    self->bind_listener_.reset();  // the port refuses before the client hears of the failure
    self->reject("inbound connection timed out after " +
                 std::to_string(settings.connect_timeout_s) + "s");
  } else {
    self->reject("connect timed out after " + std::to_string(settings.connect_timeout_s) + "s");
  }
}

void Session::read_request() {
  ssize_t n = recv(client_.get(), buffer_.data(), buffer_.size(), 0);
  if (n < 0 && would_block(errno)) return;
  if (n < 0) {
    drop(std::string("read failed during negotiation: ") + strerror(errno) + " -> closed");
    return;
  }
  if (n == 0) {
    drop("closed the connection before completing a request -> closed");
    return;
  }
  size_t consumed = 0;
  switch (parser_.feed({buffer_.data(), static_cast<size_t>(n)}, &consumed)) {
    case socks4::ParseStatus::kNeedMore:
      return;  // the parser keeps what it has; buffer_ is free again
    case socks4::ParseStatus::kInvalid: {
      socks4::ParseError error = parser_.error();
      bool reply = socks4::reply_makes_sense(error);
      if (reply) send_reply(socks4::ReplyCode::kRejected);
      log::info("%s bad request: %s -> %s", peer_text_.c_str(), socks4::to_string(error),
                reply ? "rejected" : "closed");
      close_client();
      end();
      return;
    }
    case socks4::ParseStatus::kComplete:
      early_size_ = static_cast<size_t>(n) - consumed;
      std::memmove(buffer_.data(), buffer_.data() + consumed, early_size_);
      dispatch();
      return;
  }
}

void Session::read_early_data() {
  size_t room = buffer_.size() - early_size_;
  ssize_t n = room == 0 ? 0 : recv(client_.get(), buffer_.data() + early_size_, room, 0);
  if (n < 0 && would_block(errno)) return;
  if (n < 0) {
    drop(describe() + " -> closed (client connection failed: " + strerror(errno) + ")");
    return;
  }
  early_size_ += static_cast<size_t>(n);
  // Full, or EOF (which the relay will see again and pass on): stop watching; the kernel keeps
  // the rest.
  if (n == 0 || early_size_ == buffer_.size()) event_del(read_event_.get());
}

void Session::dispatch() {
  phase_ = Phase::kConnecting;
  if (early_size_ == buffer_.size()) event_del(read_event_.get());
  log::debug("%s request %s, %zu bytes after it", peer_text_.c_str(), describe().c_str(),
             early_size_);
  if (config_->identd_may_be_needed) {
    evtimer_del(timer_.get());  // the query has its own time limit
    ask_identd();               // then serve_request()
    return;
  }
  serve_request();
}

void Session::serve_request() {
  const auto& settings = config_->config.settings;
  deadline_ms_ = monotonic_ms() + int64_t{settings.connect_timeout_s} * 1000;
  evtimer_add(timer_.get(), worker_.timeout(settings.connect_timeout_s));
  if (parser_.request().command == socks4::Command::kBind) {
    handle_bind();
  } else {
    handle_connect();
  }
}

void Session::handle_connect() {
  const socks4::Request& request = parser_.request();
  if (!request.is_4a()) {
    if (std::string denial = check_rules(request.ip); !denial.empty()) {
      reject(denial);
      return;
    }
    connect_to({Endpoint::ipv4(request.ip, request.port)});
    return;
  }
  // When no rule looks at destination addresses, the name decides: no DNS for a denied request.
  if (!config_->rules_need_resolved_address) {
    if (std::string denial = check_rules(0); !denial.empty()) {
      reject(denial);
      return;
    }
  }
  lookup_.start(worker_.base(), worker_.dns(), request.hostname,
                [this](int error, AddrinfoPtr result) { on_resolved(error, std::move(result)); });
}

void Session::on_resolved(int error, AddrinfoPtr result) {
  const socks4::Request& request = parser_.request();
  const std::string name = log::sanitize(request.hostname);
  if (error != 0) {
    reject("cannot resolve " + name + ": " + evutil_gai_strerror(error));
    return;
  }
  std::vector<Endpoint> addresses;
  std::string first_denial;
  for (const evutil_addrinfo* info = result.get(); info; info = info->ai_next) {
    Endpoint address = Endpoint::from_sockaddr(info->ai_addr);
    if (address.family == AF_UNSPEC) continue;
    address.port = request.port;
    if (config_->rules_need_resolved_address) {
      std::string denial = check_rules(address.ipv4_address().value_or(0));
      if (!denial.empty()) {
        if (first_denial.empty()) first_denial = denial;
        continue;
      }
    }
    addresses.push_back(address);
  }
  log::debug("%s %s: %zu usable addresses", peer_text_.c_str(), name.c_str(), addresses.size());
  if (addresses.empty()) {
    reject(first_denial.empty() ? "cannot resolve " + name + ": no address" : first_denial);
    return;
  }
  connect_to(std::move(addresses));
}

void Session::connect_to(std::vector<Endpoint> addresses) {
  if (log::debug_enabled()) {
    for (const Endpoint& address : addresses)
      log::debug("%s will try %s", peer_text_.c_str(), address.to_string().c_str());
  }
  connector_.emplace(worker_.base());
  connector_->start(std::move(addresses), deadline_ms_ - monotonic_ms(),
                    [this](int error, socks4::UniqueFd server, const Endpoint& peer) {
                      on_connected(error, std::move(server), peer);
                    });
}

void Session::on_connected(int error, socks4::UniqueFd server, const Endpoint& peer) {
  if (error != 0) {
    reject(std::string("connect failed: ") + strerror(error));
    return;
  }
  const std::string description = describe();
  const std::string resolved =
      parser_.request().is_4a() ? " (" + peer.address_text() + ")" : std::string();
  // Counted before the reply: the client may send its BIND (to another thread) right after it.
  PrimaryHold primary(worker_.context().primaries, peer_, peer);
  if (!send_reply(socks4::ReplyCode::kGranted)) {
    drop(description + resolved + " -> closed (cannot send the reply: " + strerror(errno) + ")");
    return;
  }
  log::info("%s %s%s -> granted", peer_text_.c_str(), description.c_str(), resolved.c_str());
  // The relay registers its own (edge-triggered) events on the client socket.
  read_event_.reset();
  timer_.reset();
  Relay::Params params{std::move(client_),
                       std::move(server),
                       peer_,
                       peer,
                       {buffer_.data(), early_size_},
                       config_->config.settings.idle_timeout_s,
                       std::move(slot_),
                       std::move(primary)};
  worker_.start_relay(std::move(params));
  end();
}

std::string Session::describe() const {
  const socks4::Request& request = parser_.request();
  std::string text = request.command == socks4::Command::kBind ? "BIND" : "CONNECT";
  text += " user=" + log::sanitize(request.user_id) + " ";
  if (request.is_4a()) {
    text += log::sanitize(request.hostname) + ":" + std::to_string(request.port);
  } else {
    text += Endpoint::ipv4(request.ip, request.port).to_string();
  }
  return text;
}

bool Session::send_reply(socks4::ReplyCode code) {
  const socks4::Request& request = parser_.request();
  auto reply = socks4::encode_reply({code, request.port, request.ip});
  // A fresh socket's send buffer always has room for 8 bytes; anything else is a dead client.
  return send(client_.get(), reply.data(), reply.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(reply.size());
}

void Session::reject(const std::string& reason) {
  settle_denial();
  send_reply(rejection_code_);
  log::info("%s %s -> rejected (%s)", peer_text_.c_str(), describe().c_str(), reason.c_str());
  close_client();
  end();
}

void Session::close_client() {
  shutdown(client_.get(), SHUT_WR);
  // Bounded: whatever is queued now, up to 64 KiB.
  for (int i = 0; i < 64; ++i) {
    if (recv(client_.get(), buffer_.data(), buffer_.size(), MSG_DONTWAIT) <= 0) break;
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
