#include "next_hop_connector.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "monotonic_clock.h"
#include "socks4/errno_result.h"

namespace sockd {

void NextHopConnector::start(std::vector<Endpoint> hops, const socks4::Request& request,
                             int64_t budget_ms, Done done) {
  hops_ = std::move(hops);
  next_ = 0;
  request_bytes_ = socks4::encode_request(request);
  is_bind_ = request.command == socks4::Command::kBind;
  deadline_ms_ = monotonic_ms() + budget_ms;
  done_ = std::move(done);
  auto starting = deferred_.starting();
  timer_.reset(evtimer_new(base_, &NextHopConnector::on_timer, this));
  if (!timer_ || request_bytes_.empty()) {
    // encode_request refuses only what the parser would have refused: unreachable.
    report(
        {std::nullopt, !timer_ ? "cannot register a timer" : "cannot encode the request", {}, {}});
    return;
  }
  try_next();
}

void NextHopConnector::try_next() {
  if (next_ < hops_.size()) {
    const int64_t remaining = deadline_ms_ - monotonic_ms();
    if (remaining > 0) {
      hop_ = hops_[next_];
      const int64_t share = remaining / static_cast<int64_t>(hops_.size() - next_);
      ++next_;
      phase_ = Phase::kConnecting;
      connector_.emplace(base_);
      connector_->start({hop_}, share,
                        [this](int error, WatchedSocketPtr socket, const Endpoint& hop) {
                          on_connected(error, std::move(socket), hop);
                        });
      return;
    }
    failures_ += failures_.empty() ? "time limit reached" : "; time limit reached";
  }
  report({std::nullopt, failures_.empty() ? "no next hop" : failures_, {}, {}});
}

void NextHopConnector::on_connected(int error, WatchedSocketPtr socket, const Endpoint&) {
  if (error != 0) {
    attempt_failed(error == ETIMEDOUT ? "connect timed out" : strerror(error));
    return;
  }
  socket_ = std::move(socket);
  socket_->set_handler(this);
  // A fresh connection's send buffer always has room for one request (at most 520 bytes).
  if (send(socket_->fd(), request_bytes_.data(), request_bytes_.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request_bytes_.size())) {
    attempt_failed(std::string("cannot send the request: ") + strerror(errno));
    return;
  }
  phase_ = Phase::kFirstReply;
  reply_size_ = 0;
  // This hop's share of what is left, for its reply.
  const int64_t share = std::max<int64_t>(
      1, (deadline_ms_ - monotonic_ms()) / static_cast<int64_t>(hops_.size() - next_ + 1));
  timeval timeout{static_cast<time_t>(share / 1000), static_cast<suseconds_t>(share % 1000 * 1000)};
  evtimer_add(timer_.get(), &timeout);
  if (socket_->readable) read_reply();
}

void NextHopConnector::await_second_reply(Done done) {
  done_ = std::move(done);
  phase_ = Phase::kSecondReply;
  reply_size_ = 0;
  // What is already in the socket is read from the loop, never from inside this call.
  if (socket_ && socket_->readable) socket_->activate();
}

void NextHopConnector::on_socket_event(WatchedSocket& socket, short) {
  if ((phase_ == Phase::kFirstReply || phase_ == Phase::kSecondReply) && socket.readable) {
    read_reply();
  }
}

void NextHopConnector::read_reply() {
  // Exactly the 8 bytes of the reply: what the hop sends after it stays for the relay.
  while (reply_size_ < reply_.size()) {
    ssize_t n = recv(socket_->fd(), reply_.data() + reply_size_, reply_.size() - reply_size_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && socks4::would_block(errno)) {
      socket_->readable = false;
      return;
    }
    if (n < 0) {
      attempt_failed(std::string("read failed: ") + strerror(errno));
      return;
    }
    if (n == 0) {
      attempt_failed("closed without a reply");
      return;
    }
    reply_size_ += static_cast<size_t>(n);
  }
  evtimer_del(timer_.get());
  socks4::ReplyParse parsed = socks4::parse_reply(reply_);
  if (parsed.status != socks4::ParseStatus::kComplete) {
    attempt_failed("malformed reply");
    return;
  }
  NextHopResult result{parsed.reply, failures_, hop_, {}};
  const bool first_of_bind =
      is_bind_ && phase_ == Phase::kFirstReply && parsed.reply.code == socks4::ReplyCode::kGranted;
  if (!first_of_bind && parsed.reply.code == socks4::ReplyCode::kGranted) {
    socket_->set_handler(nullptr);
    result.socket = std::move(socket_);
  }
  if (!first_of_bind) socket_.reset();
  phase_ = Phase::kIdle;
  report(std::move(result));
}

void NextHopConnector::on_timer(evutil_socket_t, short, void* arg) {
  static_cast<NextHopConnector*>(arg)->attempt_failed("no reply in time");
}

void NextHopConnector::on_deferred(void* self) {
  auto* connector = static_cast<NextHopConnector*>(self);
  connector->report(std::move(connector->deferred_result_));
}

void NextHopConnector::attempt_failed(const std::string& why) {
  if (!failures_.empty()) failures_ += "; ";
  failures_ += "next hop " + hop_.to_string() + ": " + why;
  socket_.reset();
  if (timer_) evtimer_del(timer_.get());
  if (phase_ == Phase::kSecondReply) {
    // The hop granted the BIND: another hop knows nothing of it.
    phase_ = Phase::kIdle;
    report({std::nullopt, failures_, hop_, {}});
    return;
  }
  try_next();
}

void NextHopConnector::report(NextHopResult result) {
  if (deferred_.inside_start()) {
    deferred_result_ = std::move(result);
    deferred_.schedule(base_, &NextHopConnector::on_deferred, this);
    return;
  }
  Done done = std::move(done_);
  done(std::move(result));
}

}  // namespace sockd
