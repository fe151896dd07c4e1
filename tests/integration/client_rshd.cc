// Scripted rshd and FTP-active servers (see client_rshd.h).
#include "client_rshd.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>
#include <optional>

#include "../support/socket_io.h"

namespace socks4::test {
namespace {

constexpr size_t kMaxField = 1024;

// One NUL-terminated field, read a byte at a time (the protocol has no lengths).
std::optional<std::string> read_field(int fd) {
  std::string out;
  while (out.size() < kMaxField) {
    char c;
    if (::recv(fd, &c, 1, 0) != 1) return std::nullopt;
    if (c == '\0') return out;
    out.push_back(c);
  }
  return std::nullopt;
}

std::optional<std::string> read_line(int fd) {
  std::string out;
  while (out.size() < kMaxField) {
    char c;
    if (::recv(fd, &c, 1, 0) != 1) return std::nullopt;
    if (c == '\n') return out;
    if (c != '\r') out.push_back(c);
  }
  return std::nullopt;
}

std::string peer_ip_of(int fd) {
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return "";
  char text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
}

}  // namespace

ScriptedRshd::ScriptedRshd() : server_([this](int fd) { serve(fd); }) {}

std::vector<RshRequest> ScriptedRshd::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ScriptedRshd::serve(int fd) {
  RshRequest request;
  request.peer_ip = peer_ip_of(fd);
  std::optional<std::string> port = read_field(fd);
  if (!port) return;
  request.stderr_port = *port;
  UniqueFd errors;
  int port_number = std::atoi(port->c_str());
  if (port_number > 0 && port_number < 65536) {
    errors = connect_tcp(request.peer_ip, static_cast<uint16_t>(port_number));
    request.stderr_connected = static_cast<bool>(errors);
  }
  std::optional<std::string> local = read_field(fd);
  std::optional<std::string> remote = local ? read_field(fd) : std::nullopt;
  std::optional<std::string> command = remote ? read_field(fd) : std::nullopt;
  if (command) {
    request.local_user = *local;
    request.remote_user = *remote;
    request.command = *command;
    if (*command == "fail") {
      send_all(fd, std::string("\1permission denied\n"));
    } else {
      send_all(fd, std::string(1, '\0') + output_for(*command));
      if (errors) send_all(errors.get(), errors_for(*command));
    }
  }
  std::lock_guard lock(mutex_);
  requests_.push_back(std::move(request));
}

LoopbackServer::Handler port_command_handler(std::string greeting) {
  return [greeting](int fd) {
    std::optional<std::string> line = read_line(fd);
    unsigned h[4], p[2];
    if (!line || std::sscanf(line->c_str(), "PORT %u,%u,%u,%u,%u,%u", &h[0], &h[1], &h[2], &h[3],
                             &p[0], &p[1]) != 6) {
      send_all(fd, std::string("500 expected PORT\r\n"));
      return;
    }
    std::string ip = std::to_string(h[0]) + "." + std::to_string(h[1]) + "." +
                     std::to_string(h[2]) + "." + std::to_string(h[3]);
    UniqueFd data = connect_tcp(ip, static_cast<uint16_t>(p[0] << 8 | p[1]));
    send_all(fd, std::string(data ? "200 PORT ok\r\n" : "425 cannot open data connection\r\n"));
    if (data) send_all(data.get(), greeting);
  };
}

}  // namespace socks4::test
