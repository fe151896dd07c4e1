#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <span>

#include "socks4/proto.h"

namespace socksbench {

std::optional<sockaddr_in> parse_endpoint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (inet_pton(AF_INET, text.substr(0, colon).c_str(), &addr.sin_addr) != 1) return std::nullopt;
  char* end = nullptr;
  long port = strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port <= 0 || port > 65535) return std::nullopt;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

long raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<long>(limit.rlim_cur);
}

bool set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int socket_error(int fd) {
  int error = 0;
  socklen_t len = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return errno;
  return error;
}

UniqueFd start_connect(const sockaddr_in& to) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  set_nodelay(fd.get());
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
      errno != EINPROGRESS) {
    fd.reset();
  }
  return fd;
}

UniqueFd connect_blocking(const sockaddr_in& to) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd && connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) fd.reset();
  return fd;
}

UniqueFd listen_loopback(uint16_t port, int backlog, bool reuse_port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port && setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    fd.reset();
    return fd;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd.get(), backlog) != 0) {
    fd.reset();
  }
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

std::vector<uint8_t> socks_connect_request(const sockaddr_in& target) {
  socks4::Request request;
  request.command = socks4::Command::kConnect;
  request.port = ntohs(target.sin_port);
  request.ip = ntohl(target.sin_addr.s_addr);
  request.user_id = "bench";
  return socks4::encode_request(request);
}

bool reply_granted(const uint8_t* reply) {
  auto parsed = socks4::parse_reply(std::span<const uint8_t>(reply, socks4::kReplySize));
  return parsed.status == socks4::ParseStatus::kComplete &&
         parsed.reply.code == socks4::ReplyCode::kGranted;
}

bool socks_handshake_blocking(int fd, const sockaddr_in& target) {
  auto request = socks_connect_request(target);
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    return false;
  }
  uint8_t reply[socks4::kReplySize];
  size_t got = 0;
  while (got < sizeof reply) {
    ssize_t n = read(fd, reply + got, sizeof reply - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return reply_granted(reply);
}

}  // namespace socksbench
