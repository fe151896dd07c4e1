#include "identd_scripted.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "socket_io.h"

namespace socks4::test {
namespace {

constexpr int kPollMs = 100;
constexpr auto kQueryWait = std::chrono::seconds(10);

// Reads up to LF (bounded: 1 KiB, kQueryWait, or stop); the line without CR LF.
std::string read_query(int fd, const std::atomic<bool>& stopping) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + kQueryWait;
  while (!stopping && line.size() < 1024 && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    char c;
    if (recv(fd, &c, 1, 0) != 1) break;
    if (c == '\n') break;
    if (c != '\r') line.push_back(c);
  }
  return line;
}

}  // namespace

std::string userid_answer(const std::string& query, const std::string& user) {
  return query + " : USERID : UNIX : " + user + "\r\n";
}

IdentdScript answering_as(std::string user) {
  return {[user](const std::string& query) { return userid_answer(query, user); }, false};
}

IdentdScript answering_error(std::string error) {
  return {[error](const std::string& query) { return query + " : ERROR : " + error + "\r\n"; },
          false};
}

ScriptedIdentd::ScriptedIdentd(const std::string& ip, IdentdScript script)
    : script_(std::move(script)) {
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  sockaddr_in address = make_address(parse_ipv4(ip), 113);
  if (!fd || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd.get(), 16) != 0) {
    return;
  }
  listener_ = std::move(fd);
  thread_ = std::thread([this] { serve(); });
}

ScriptedIdentd::~ScriptedIdentd() {
  stop();
}

void ScriptedIdentd::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  held_.clear();
  listener_.reset();
}

std::vector<std::string> ScriptedIdentd::query_lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::vector<std::string> ScriptedIdentd::query_sources() const {
  std::lock_guard lock(mutex_);
  return sources_;
}

void ScriptedIdentd::serve() {
  while (!stopping_) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (poll(&p, 1, kPollMs) <= 0) continue;
    sockaddr_in from{};
    socklen_t length = sizeof from;
    UniqueFd connection(
        accept4(listener_.get(), reinterpret_cast<sockaddr*>(&from), &length, SOCK_CLOEXEC));
    if (!connection) continue;
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
    serve_one(std::move(connection), text);
  }
}

void ScriptedIdentd::serve_one(UniqueFd connection, const std::string& from) {
  std::string query = read_query(connection.get(), stopping_);
  {
    std::lock_guard lock(mutex_);
    lines_.push_back(query);
    sources_.push_back(from);
  }
  ++queries_;
  if (script_.silent) {
    std::lock_guard lock(mutex_);
    held_.push_back(std::move(connection));
    return;
  }
  set_io_timeout(connection.get(), std::chrono::milliseconds(5000));
  send_all(connection.get(), script_.answer(query));
}

}  // namespace socks4::test
