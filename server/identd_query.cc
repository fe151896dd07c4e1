#include "identd_query.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "socks4/errno_result.h"

namespace sockd {

using socks4::would_block;

void IdentdQuery::start(const Endpoint& client, const Endpoint& local, int timeout_s, Done done) {
  client_ = client;
  local_ = local;
  done_ = std::move(done);
  auto starting = deferred_.starting();
  timer_.reset(evtimer_new(base_, &IdentdQuery::on_timeout, this));
  timeval timeout{timeout_s, 0};
  if (!timer_ || evtimer_add(timer_.get(), &timeout) != 0) {
    finish_with_failure("cannot register a timer");
  } else if (std::string error = open_and_connect(); !error.empty()) {
    finish_with_failure(std::move(error));
  }
}

std::string IdentdQuery::open_and_connect() {
  socket_.reset(socket(client_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!socket_) return std::string("socket: ") + strerror(errno);
  // Ask from the address the client reached; connect() picks the port.
  int one = 1;
  setsockopt(socket_.get(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_storage address;
  Endpoint from = local_;
  from.port = 0;
  socklen_t length = from.to_sockaddr(address);
  if (bind(socket_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0)
    return "bind " + from.address_text() + ": " + strerror(errno);
  Endpoint to = client_;
  to.port = socks4::identd::kPort;
  length = to.to_sockaddr(address);
  if (connect(socket_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 &&
      errno != EINPROGRESS) {
    return strerror(errno);
  }
  event_.reset(event_new(base_, socket_.get(), EV_WRITE, &IdentdQuery::on_socket, this));
  if (!event_ || event_add(event_.get(), nullptr) != 0) return "cannot register an event";
  return {};
}

void IdentdQuery::on_socket(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<IdentdQuery*>(arg);
  if (self->connected_) {
    self->on_readable();
  } else {
    self->on_connected();
  }
}

void IdentdQuery::on_timeout(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<IdentdQuery*>(arg);
  self->finish_with_failure("no answer within the identd timeout");
}

void IdentdQuery::on_deferred(void* self) {
  auto* query = static_cast<IdentdQuery*>(self);
  query->finish(std::move(query->result_));
}

void IdentdQuery::on_connected() {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(socket_.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    finish_with_failure(strerror(error));
    return;
  }
  connected_ = true;
  // A fresh socket's send buffer always takes the few bytes of a query.
  const std::string query = socks4::identd::format_query(client_.port, local_.port);
  if (send(socket_.get(), query.data(), query.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(query.size())) {
    finish_with_failure(std::string("cannot send the query: ") + strerror(errno));
    return;
  }
  event_.reset(
      event_new(base_, socket_.get(), EV_READ | EV_PERSIST, &IdentdQuery::on_socket, this));
  if (!event_ || event_add(event_.get(), nullptr) != 0)
    finish_with_failure("cannot register an event");
}

void IdentdQuery::on_readable() {
  char buffer[socks4::identd::kMaxAnswerSize];
  const size_t room = socks4::identd::kMaxAnswerSize - received_.size();
  ssize_t n = recv(socket_.get(), buffer, room, 0);
  if (n < 0 && would_block(errno)) return;
  if (n < 0) {
    finish_with_failure(std::string("connection failed: ") + strerror(errno));
    return;
  }
  received_.append(buffer, static_cast<size_t>(n));
  if (n > 0 && !socks4::identd::answer_complete(received_)) return;
  IdentdResult result;
  result.answer = socks4::identd::parse_answer(received_, client_.port, local_.port);
  result.answered = result.answer.kind != socks4::identd::AnswerKind::kInvalid;
  if (!result.answered) result.failure = "invalid answer: " + result.answer.detail;
  finish(std::move(result));
}

void IdentdQuery::finish_with_failure(std::string why) {
  IdentdResult result;
  result.failure = std::move(why);
  finish(std::move(result));
}

void IdentdQuery::finish(IdentdResult result) {
  socket_.reset();
  event_.reset();
  timer_.reset();
  if (deferred_.inside_start()) {
    result_ = std::move(result);
    deferred_.schedule(base_, &IdentdQuery::on_deferred, this);
    return;
  }
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(result));  // may destroy *this
}

}  // namespace sockd
