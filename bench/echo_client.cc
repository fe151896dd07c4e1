#include "echo_client.h"

#include <unistd.h>

#include <cerrno>

namespace socksbench {

EchoClient::State EchoClient::start(Epoll& epoll, uint64_t tag) {
  fd_ = start_connect(first_hop_);
  reply_bytes_ = 0;
  if (!fd_ || !epoll.add(fd_.get(), EPOLLIN | EPOLLOUT | EPOLLET, tag)) return fail();
  return state_ = State::kConnecting;
}

EchoClient::State EchoClient::advance(uint32_t events) {
  switch (state_) {
    case State::kConnecting:
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return state_;
      if (socket_error(fd_.get()) != 0) return fail();
      if (!request_) return send_byte();
      if (write(fd_.get(), request_->data(), request_->size()) !=
          static_cast<ssize_t>(request_->size())) {
        return fail();  // a 14-byte request into an empty socket buffer never goes short
      }
      state_ = State::kAwaitReply;
      return read_reply();
    case State::kAwaitReply:
      return read_reply();
    case State::kAwaitEcho:
      return read_echo();
    case State::kAwaitClose:
      return read_close();
    case State::kDone: {
      uint8_t byte;
      ssize_t n = read(fd_.get(), &byte, 1);
      return (n < 0 && errno == EAGAIN) ? state_ : fail();
    }
    default:
      return state_;
  }
}

EchoClient::State EchoClient::ping() {
  if (state_ != State::kDone) return state_;
  return send_byte();
}

EchoClient::State EchoClient::quit() {
  if (state_ != State::kDone) return state_;
  const uint8_t byte = 'q';
  if (write(fd_.get(), &byte, 1) != 1) return fail();
  state_ = State::kAwaitClose;
  return read_close();
}

EchoClient::State EchoClient::send_byte() {
  const uint8_t byte = 'x';
  if (write(fd_.get(), &byte, 1) != 1) return fail();
  state_ = State::kAwaitEcho;
  return read_echo();
}

EchoClient::State EchoClient::read_reply() {
  ssize_t n = read(fd_.get(), reply_ + reply_bytes_, sizeof reply_ - reply_bytes_);
  if (n < 0 && errno == EAGAIN) return state_;
  if (n <= 0) return fail();
  reply_bytes_ += static_cast<size_t>(n);
  if (reply_bytes_ < sizeof reply_) return state_;
  if (!reply_granted(reply_)) return fail();
  return send_byte();
}

EchoClient::State EchoClient::read_echo() {
  uint8_t byte;
  ssize_t n = read(fd_.get(), &byte, 1);
  if (n < 0 && errno == EAGAIN) return state_;
  if (n != 1) return fail();
  if (!await_close_) return state_ = State::kDone;
  state_ = State::kAwaitClose;
  return read_close();
}

EchoClient::State EchoClient::read_close() {
  uint8_t byte;
  ssize_t n = read(fd_.get(), &byte, 1);
  if (n < 0 && errno == EAGAIN) return state_;
  return n == 0 ? state_ = State::kDone : fail();
}

}  // namespace socksbench
