// Scripted SOCKS4 server for the client library's tests (see client_fake_socks.h).
#include "client_fake_socks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>

namespace socks4::testing {
namespace {

constexpr int kStepMs = 50;
constexpr int kMaxIdleSteps = 200;  // 10 s without traffic ends a connection

bool send_all(int fd, const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool send_reply(int fd, const Reply& reply) {
  auto wire = encode_reply(reply);
  return send_all(fd, wire.data(), wire.size());
}

}  // namespace

uint16_t refused_port() {
  // Bound but not listening: the port stays reserved while the test runs, and refuses.
  static UniqueFd holder(::socket(AF_INET, SOCK_STREAM, 0));
  static uint16_t port = [] {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    ::bind(holder.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&a), &length);
    return ntohs(a.sin_port);
  }();
  return port;
}

FakeSocksServer::FakeSocksServer(FakeSocksScript script) : script_(script) {
  listener_.reset(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof a;
  ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(listener_.get(), 256);
  ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &length);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeSocksServer::~FakeSocksServer() {
  stop_ = true;
  acceptor_.join();
  for (std::thread& worker : workers_) worker.join();
}

std::vector<Request> FakeSocksServer::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FakeSocksServer::accept_loop() {
  while (!stop_) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, kStepMs) <= 0) continue;
    UniqueFd client(::accept(listener_.get(), nullptr, nullptr));
    if (!client) continue;
    ++connections_;
    workers_.emplace_back([this, fd = client.release()] { serve(UniqueFd(fd)); });
  }
}

void FakeSocksServer::serve(UniqueFd client) {
  RequestParser parser;
  std::vector<uint8_t> buffer(4096);
  int idle = 0;
  while (!stop_ && parser.status() == ParseStatus::kNeedMore && idle < kMaxIdleSteps) {
    pollfd p{client.get(), POLLIN, 0};
    if (::poll(&p, 1, kStepMs) <= 0) {
      ++idle;
      continue;
    }
    // Read only the request; the client sends nothing else before the reply.
    ssize_t n = ::recv(client.get(), buffer.data(), 1, 0);
    if (n <= 0) return;
    parser.feed(std::span<const uint8_t>(buffer.data(), 1));
  }
  if (parser.status() != ParseStatus::kComplete) return;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(parser.request());
  }
  if (!script_.reply) {  // silent: hold the connection until the test ends
    while (!stop_) ::poll(nullptr, 0, kStepMs);
    return;
  }
  if (script_.reply_delay_ms > 0) ::poll(nullptr, 0, script_.reply_delay_ms);
  bool bind = parser.request().command == Command::kBind;
  Reply reply = bind ? script_.bind_first : Reply{*script_.reply, 0, 0};
  if (!bind) reply.code = *script_.reply;
  if (!send_reply(client.get(), reply) || reply.code != ReplyCode::kGranted) return;
  if (bind) {
    ::poll(nullptr, 0, 100);  // the application server "connects" a little later
    if (!send_reply(client.get(), script_.bind_second)) return;
    if (!send_all(client.get(), script_.bind_greeting, std::strlen(script_.bind_greeting))) return;
  }
  idle = 0;
  while (!stop_ && idle < kMaxIdleSteps) {  // echo
    pollfd p{client.get(), POLLIN, 0};
    if (::poll(&p, 1, kStepMs) <= 0) {
      ++idle;
      continue;
    }
    ssize_t n = ::recv(client.get(), buffer.data(), buffer.size(), 0);
    if (n <= 0 || !send_all(client.get(), buffer.data(), static_cast<size_t>(n))) return;
  }
}

}  // namespace socks4::testing
