#include "bind_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <filesystem>
#include <thread>

#include "socket_io.h"

namespace socks4::test {

std::vector<uint8_t> bind_request(const std::string& ip, uint16_t port, const std::string& user) {
  return encode_request({Command::kBind, port, parse_ipv4(ip), user, ""});
}

std::vector<uint8_t> bind_request_4a(const std::string& host, uint16_t port,
                                     const std::string& user) {
  return encode_request({Command::kBind, port, 0, user, host});
}

std::string reply_ip(const Reply& reply) {
  in_addr address{htonl(reply.ip)};
  char text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &address, text, sizeof text);
  return text;
}

UniqueFd connect_from(const std::string& source_ip, const std::string& ip, uint16_t port,
                      std::chrono::milliseconds timeout) {
  return connect_tcp_from(source_ip, ip, port, timeout, kIoTimeout);
}

bool connection_refused(const std::string& ip, uint16_t port) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in target = make_address(parse_ipv4(ip), port);
  // Loopback answers a connect to a closed port with a reset at once.
  return connect(fd.get(), reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 &&
         errno == ECONNREFUSED;
}

namespace {

// Descriptors of `pid` whose link target does (or does not) start with "pipe:".
int count_descriptors(pid_t pid, bool pipes) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
  if (ec) return -1;
  int count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return -1;
    std::error_code link_error;
    const std::string target = std::filesystem::read_symlink(it->path(), link_error).string();
    if (link_error) continue;  // closed while we looked
    if (target.starts_with("pipe:") == pipes) ++count;
  }
  return count;
}

}  // namespace

int open_descriptors(pid_t pid) {
  return count_descriptors(pid, false);
}

int open_pipes(pid_t pid) {
  return count_descriptors(pid, true);
}

namespace {

template <typename Done>
int wait_for_count(pid_t pid, Done done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int seen = open_descriptors(pid);
  while (!done(seen) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = open_descriptors(pid);
  }
  return seen;
}

}  // namespace

int wait_for_descriptors(pid_t pid, int count, std::chrono::milliseconds timeout) {
  return wait_for_count(
      pid, [count](int seen) { return seen == count; }, timeout);
}

int wait_for_descriptors_at_least(pid_t pid, int count, std::chrono::milliseconds timeout) {
  return wait_for_count(
      pid, [count](int seen) { return seen >= count; }, timeout);
}

}  // namespace socks4::test
