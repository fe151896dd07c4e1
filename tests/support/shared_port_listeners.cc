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
