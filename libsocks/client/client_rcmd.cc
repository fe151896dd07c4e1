// Rrcmd: rcmd(3) through the SOCKS server. The command connection is a CONNECT; the stderr
// connection, which rshd opens back to the client, comes in through a BIND.
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_ops.h"
#include "socks4/client_socket.h"
#include "socks4/client_sys.h"
#include "socks4/errno_result.h"
#include "socks4/unique_fd.h"

namespace socks4::client {
namespace {

constexpr size_t kMaxErrorMessage = 1024;

std::optional<uint32_t> resolve(const char* host) {
  in_addr numeric{};
  if (inet_pton(AF_INET, host, &numeric) == 1) return ntohl(numeric.s_addr);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host, nullptr, &hints, &found) != 0 || found == nullptr) return std::nullopt;
  uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(found);
  return ip;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = sys().send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads one byte, waiting at most `wait_ms`.
std::optional<char> read_byte(int fd, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  if (sys().poll(&p, 1, wait_ms) <= 0) return std::nullopt;
  char c;
  return sys().recv(fd, &c, 1, 0) == 1 ? std::optional<char>(c) : std::nullopt;
}

}  // namespace

int remote_command(char** host, unsigned short port, const char* local_user,
                   const char* remote_user, const char* command, int* error_fd) {
  if (host == nullptr || *host == nullptr || local_user == nullptr || remote_user == nullptr ||
      command == nullptr) {
    return fail_with(EINVAL);
  }
  std::optional<uint32_t> ip = resolve(*host);
  if (!ip) {
    error_log("rcmd: %s: unknown host", *host);
    return fail_with(EHOSTUNREACH);
  }
  std::shared_ptr<const ClientContext> ctx = context();
  RouteQuery query{*ip, "", ntohs(port), ctx->env.username};
  RouteDecision decision = route(ctx->config, ctx->default_servers, query);
  if (decision.action == RouteAction::kDirect) {
    return sys().rcmd(host, port, local_user, remote_user, command, error_fd);
  }
  if (decision.action == RouteAction::kDeny) return fail_with(ECONNREFUSED);

  UniqueFd control(socket(AF_INET, SOCK_STREAM, 0));
  if (!control) return -1;
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = port;
  target.sin_addr.s_addr = htonl(*ip);
  if (as_system_call(connect_socket(control.get(), reinterpret_cast<sockaddr*>(&target),
                                    sizeof target)) != 0) {
    error_log("rcmd: connect to %s through SOCKS: %s", *host, strerror(errno));
    return -1;
  }
  UniqueFd errors;
  std::string port_text = "0";
  UniqueFd listener;
  if (error_fd != nullptr) {
    listener.reset(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in any{};
    any.sin_family = AF_INET;
    socklen_t length = sizeof any;
    if (!listener ||
        as_system_call(bind_socket(listener.get(), reinterpret_cast<sockaddr*>(&any), length)) !=
            0 ||
        socket_name(listener.get(), reinterpret_cast<sockaddr*>(&any), &length) != 0 ||
        as_system_call(listen_socket(listener.get(), 1)) != 0) {
      error_log("rcmd: stderr channel through SOCKS: %s", strerror(errno));
      return -1;
    }
    port_text = std::to_string(ntohs(any.sin_port));
  }
  if (!write_all(control.get(), port_text + '\0')) return -1;
  if (error_fd != nullptr) {
    errors.reset(as_system_call(accept_socket(listener.get(), nullptr, nullptr, 0)));
    if (!errors) {
      error_log("rcmd: stderr connection through SOCKS: %s", strerror(errno));
      return -1;
    }
  }
  std::string request = std::string(local_user) + '\0' + remote_user + '\0' + command + '\0';
  if (!write_all(control.get(), request)) return -1;
  std::optional<char> status = read_byte(control.get(), ctx->timeouts.reply_ms);
  if (!status) return fail_with(ETIMEDOUT);
  if (*status != 0) {
    std::string message;
    while (message.size() < kMaxErrorMessage) {
      std::optional<char> c = read_byte(control.get(), ctx->timeouts.reply_ms);
      if (!c || *c == '\n') break;
      message.push_back(*c);
    }
    error_log("rcmd: %s: %s", *host, message.c_str());
    return fail_with(ECONNREFUSED);
  }
  if (error_fd != nullptr) *error_fd = errors.release();
  return control.release();
}

}  // namespace socks4::client
