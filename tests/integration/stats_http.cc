#include "stats_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <thread>

#include "socks4/unique_fd.h"

namespace socks4::test {

HttpResponse http_get(uint16_t port, const std::string& path, const std::string& source) {
  HttpResponse response;
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return response;
  timeval limit{5, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return response;
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) return response;
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size()))
    return response;
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t n = recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > (64u << 20)) return response;
  }
  const size_t end = text.find("\r\n\r\n");
  if (end == std::string::npos || !text.starts_with("HTTP/1.")) return response;
  response.headers = text.substr(0, end);
  response.body = text.substr(end + 4);
  response.status = std::atoi(text.c_str() + text.find(' ') + 1);
  return response;
}

std::optional<uint16_t> stats_port(const SockdProcess& sockd) {
  static const std::regex serving(R"(stats: serving http://[0-9.]+:([0-9]+)/)");
  std::smatch m;
  const std::string log = sockd.log();
  if (!std::regex_search(log, m, serving)) return std::nullopt;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

std::optional<double> metric_value(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

std::string wait_for_metric(uint16_t port, const std::string& series, double expected,
                            std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  for (;;) {
    text = http_get(port, "/metrics").body;
    if (metric_value(text, series) == expected) return text;
    if (std::chrono::steady_clock::now() >= deadline) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace socks4::test
