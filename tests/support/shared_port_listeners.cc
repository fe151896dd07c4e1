#include "shared_port_listeners.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "socket_io.h"

namespace socks4::test {
namespace {

constexpr int kBindAttempts = 50;

// A TCP socket bound to ip:port (IPv6 only for an IPv6 address); empty on failure.
UniqueFd bound_socket(const std::string& ip, uint16_t port) {
  std::optional<SocketAddress> address = socket_address(ip, port);
  if (!address) return {};
  UniqueFd fd(socket(address->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return {};
  const int one = 1;
  if (address->storage.ss_family == AF_INET6)
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd.get(), address->get(), address->length) != 0) return {};
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage sa{};
  socklen_t length = sizeof sa;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &length) != 0) return 0;
  if (sa.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&sa)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&sa)->sin_port);
}

}  // namespace

std::optional<SocketAddress> socket_address(const std::string& ip, uint16_t port) {
  SocketAddress out;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof *v4;
    return out;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof *v6;
    return out;
  }
  return std::nullopt;
}

UniqueFd connect_any_family(const std::string& source, const std::string& server, uint16_t port,
                            std::chrono::milliseconds timeout) {
  std::optional<SocketAddress> from = socket_address(source, 0);
  std::optional<SocketAddress> to = socket_address(server, port);
  if (!from || !to || from->storage.ss_family != to->storage.ss_family) return {};
  UniqueFd fd(socket(to->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd || bind(fd.get(), from->get(), from->length) != 0) return {};
  if (connect(fd.get(), to->get(), to->length) != 0) {
    if (errno != EINPROGRESS) return {};
    pollfd p{fd.get(), POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return {};
  }
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  set_io_timeout(fd.get(), timeout);
  return fd;
}

SharedPortListeners::SharedPortListeners(const std::vector<std::string>& listening,
                                         const std::vector<std::string>& refusing) {
  for (int attempt = 0; attempt < kBindAttempts && port_ == 0; ++attempt)
    if (!bind_all(listening, refusing)) port_ = 0;
  if (port_ == 0) {
    if (error_.empty())
      error_ = "no common free port in " + std::to_string(kBindAttempts) + " tries";
    return;
  }
  thread_ = std::thread([this] { accept_loop(); });
}

SharedPortListeners::~SharedPortListeners() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool SharedPortListeners::bind_all(const std::vector<std::string>& listening,
                                   const std::vector<std::string>& refusing) {
  listeners_.clear();
  refusers_.clear();
  port_ = 0;
  for (const std::string& ip : listening) {
    UniqueFd fd = bound_socket(ip, port_);
    if (!fd) return false;  // taken on this address: try another port
    if (listen(fd.get(), 128) != 0) {
      error_ = std::string("listen: ") + strerror(errno);
      return false;
    }
    if (port_ == 0) port_ = bound_port(fd.get());
    listeners_.push_back(std::move(fd));
  }
  for (const std::string& ip : refusing) {
    UniqueFd fd = bound_socket(ip, port_);
    if (!fd) return false;
    if (port_ == 0) port_ = bound_port(fd.get());
    refusers_.push_back(std::move(fd));
  }
  return port_ != 0;
}

void SharedPortListeners::accept_loop() {
  std::vector<pollfd> polled;
  for (const UniqueFd& fd : listeners_) polled.push_back({fd.get(), POLLIN, 0});
  while (!stop_) {
    if (poll(polled.data(), polled.size(), 50) <= 0) continue;  // short: stop_ is seen soon
    for (const pollfd& p : polled) {
      if (!(p.revents & POLLIN)) continue;
      UniqueFd accepted(accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC));
      if (accepted) ++accepted_;
    }
  }
}

}  // namespace socks4::test
