#include "socket_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

uint32_t parse_ipv4(const std::string& dotted) {
  in_addr addr{};
  if (inet_pton(AF_INET, dotted.c_str(), &addr) != 1) {
    std::fprintf(stderr, "bad IPv4 address in a test: %s\n", dotted.c_str());
    std::abort();
  }
  return ntohl(addr.s_addr);
}

sockaddr_in make_address(uint32_t ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(ip);
  return sa;
}

void set_io_timeout(int fd, milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

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

UniqueFd connect_tcp_from(const std::string& source, const std::string& ip, uint16_t port,
                          milliseconds timeout, milliseconds io_timeout) {
  std::optional<SocketAddress> to = socket_address(ip, port);
  std::optional<SocketAddress> from = source.empty() ? std::nullopt : socket_address(source, 0);
  if (!to || (!source.empty() && (!from || from->storage.ss_family != to->storage.ss_family)))
    return {};
  UniqueFd fd(socket(to->storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd || (from && bind(fd.get(), from->get(), from->length) != 0)) return {};
  if (connect(fd.get(), to->get(), to->length) != 0) {
    if (errno != EINPROGRESS) return {};
    pollfd p{fd.get(), POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return {};
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return {};
  }
  fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  set_io_timeout(fd.get(), io_timeout);
  return fd;
}

UniqueFd connect_tcp(const std::string& ip, uint16_t port, milliseconds timeout,
                     milliseconds io_timeout) {
  return connect_tcp_from("", ip, port, timeout, io_timeout);
}

UniqueFd bind_loopback(bool listen) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sa = make_address(INADDR_LOOPBACK, 0);
  if (!fd || bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
  if (listen && ::listen(fd.get(), 64) != 0) return {};
  return fd;
}

UniqueFd listen_ipv6_loopback(uint16_t port) {
  UniqueFd fd(socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int on = 1;
  if (fd) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  address.sin6_addr = in6addr_loopback;
  if (!fd || bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd.get(), 16) != 0) {
    return UniqueFd();
  }
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_in6 sa{};  // room for either family; the port is at the same place in both
  socklen_t len = sizeof sa;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return 0;
  return ntohs(sa.sin6_port);
}

bool send_all(int fd, std::span<const uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<size_t>(n));
  }
  return true;
}

bool send_all(int fd, std::string_view data) {
  return send_all(fd, std::span(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

std::optional<std::vector<uint8_t>> recv_exact(int fd, size_t n) {
  std::vector<uint8_t> out(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, out.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    got += static_cast<size_t>(r);
  }
  return out;
}

bool echoes(int fd, std::string_view text) {
  if (!send_all(fd, text)) return false;
  auto back = recv_exact(fd, text.size());
  return back &&
         std::string_view(reinterpret_cast<const char*>(back->data()), back->size()) == text;
}

ReadResult read_until_closed(int fd, milliseconds timeout, size_t limit) {
  ReadResult result;
  const auto deadline = Clock::now() + timeout;
  while (result.data.size() < limit) {
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, millis_left(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return result;  // kTimeout
    char buf[65536];
    ssize_t r = recv(fd, buf, std::min(sizeof buf, limit - result.data.size()), MSG_DONTWAIT);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r == 0) {
      result.end = ReadEnd::kEof;
      return result;
    }
    if (r < 0) {
      result.end = ReadEnd::kReset;
      return result;
    }
    result.data.append(buf, static_cast<size_t>(r));
  }
  result.end = ReadEnd::kLimit;
  return result;
}

bool wait_for_close(int fd, milliseconds timeout, std::string* discarded) {
  ReadResult r = read_until_closed(fd, timeout);
  if (discarded) *discarded = r.data;
  return r.end == ReadEnd::kEof || r.end == ReadEnd::kReset;
}

}  // namespace socks4::test
