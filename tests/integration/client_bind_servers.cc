// Our sockd and danted behind BindTestServer (see client_bind_servers.h).
#include "client_bind_servers.h"

#include <sstream>
#include <thread>

#include "../support/sockd_process.h"
#include "client_danted.h"

namespace socks4::test {
namespace {

// Log lines holding every one of `parts` and ending with `ending`.
size_t count_lines(const std::string& log, std::initializer_list<std::string> parts,
                   const std::string& ending = "") {
  std::istringstream in(log);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    bool match = line.size() >= ending.size() &&
                 line.compare(line.size() - ending.size(), ending.size(), ending) == 0;
    for (const std::string& part : parts) match = match && line.find(part) != std::string::npos;
    n += match;
  }
  return n;
}

// start/port/log for a process class with the same names (SockdProcess, DantedProcess).
template <class Process>
class ProcessServer : public BindTestServer {
 public:
  std::string start() override { return process_.start() ? "" : process_.error(); }
  uint16_t port() const override { return process_.port(); }
  std::string log() const override { return process_.log(); }

 private:
  Process process_;
};

// sockd logs "<client> BIND user=U 127.0.0.1:P -> granted (listening on A:Q)", then
// "<client> BIND inbound from A:R -> granted" once it relays the inbound connection.
class OurSockd : public ProcessServer<SockdProcess> {
 public:
  size_t binds_served() const override {
    return count_lines(log(), {"BIND inbound from 127.0.0.1:", "-> granted"});
  }
  bool connect_logged(uint16_t destination_port) const override {
    return count_lines(log(), {"CONNECT user=", destination(destination_port) + " -> granted"}) > 0;
  }
  bool bind_logged(uint16_t destination_port, const std::string& user) const override {
    return count_lines(
               log(), {"BIND user=" + user,
                       destination(destination_port) + " -> granted (listening on 127.0.0.1:"}) > 0;
  }

 private:
  static std::string destination(uint16_t port) { return " 127.0.0.1:" + std::to_string(port); }
};

// danted logs "pass(N): tcp/bind [: <client> <internal> -> <external> <DSTIP>.<DSTPORT>",
// and "tcp/bindreply [" as it relays the inbound connection. It does not log SOCKS 4 user ids.
class Danted : public ProcessServer<DantedProcess> {
 public:
  size_t binds_served() const override { return count_lines(log(), {"pass(", "tcp/bindreply ["}); }
  bool connect_logged(uint16_t destination_port) const override {
    return count_lines(log(), {"pass(", "tcp/connect [:"}, destination(destination_port)) > 0;
  }
  bool bind_logged(uint16_t destination_port, const std::string&) const override {
    return count_lines(log(), {"pass(", "tcp/bind [:"}, destination(destination_port)) > 0;
  }

 private:
  static std::string destination(uint16_t port) { return " 127.0.0.1." + std::to_string(port); }
};

}  // namespace

bool BindTestServer::wait_for_binds_served(size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (binds_served() < count) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::unique_ptr<BindTestServer> make_bind_test_server(BindServerKind kind) {
  if (kind == BindServerKind::kDanted) return std::make_unique<Danted>();
  return std::make_unique<OurSockd>();
}

std::string bind_server_name(BindServerKind kind) {
  return kind == BindServerKind::kDanted ? "Danted" : "OurSockd";
}

void PrintTo(BindServerKind kind, std::ostream* out) {
  *out << bind_server_name(kind);
}

}  // namespace socks4::test
