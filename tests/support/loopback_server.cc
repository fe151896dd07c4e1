#include "loopback_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "socket_io.h"

namespace socks4::test {

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  listener_ = bind_loopback(true);
  port_ = listener_ ? local_port(listener_.get()) : 0;
  if (listener_) acceptor_ = std::thread([this] { accept_loop(); });
}

LoopbackServer::~LoopbackServer() {
  stop();
}

void LoopbackServer::accept_loop() {
  while (!stopping_) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;  // short poll so stop() is noticed promptly
    int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    set_io_timeout(fd, kIoTimeout);
    ++accepted_;
    std::lock_guard lock(mutex_);
    Connection& c = connections_.emplace_back();
    c.fd.reset(fd);
    c.thread = std::thread([this, fd, &c] {
      handler_(fd);
      std::lock_guard lock(mutex_);
      c.fd.reset();
    });
  }
}

void LoopbackServer::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (Connection& c : connections_)
      if (c.fd) shutdown(c.fd.get(), SHUT_RDWR);
  }
  for (Connection& c : connections_)
    if (c.thread.joinable()) c.thread.join();
  listener_.reset();
}

void echo_handler(int fd) {
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (!send_all(fd, std::string_view(buf, static_cast<size_t>(n)))) return;
  }
  shutdown(fd, SHUT_WR);
}

LoopbackServer::Handler http_handler(std::string body) {
  return [body = std::move(body)](int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    send_all(fd, "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n");
    send_all(fd, body);
    shutdown(fd, SHUT_WR);
    // Let the client finish reading before the socket is closed (a close with unread input
    // would reset the connection).
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
  };
}

}  // namespace socks4::test
