// Scripted servers for the BIND side of the client library, on 127.0.0.1:
//  - ScriptedRshd speaks the rshd protocol (what rcmd(3) expects): it reads the client's
//    stderr port (ASCII, NUL-terminated), connects back to that port at the control
//    connection's peer address, reads locuser, remuser and the command (each NUL-terminated),
//    answers "\0" and the command's "output" on the control connection and a line on the
//    stderr connection. The command "fail" is answered "\1permission denied\n" instead.
//  - port_command_handler() is the server half of FTP active mode: it reads one
//    "PORT h1,h2,h3,h4,p1,p2\r\n" line, connects to that address and sends a greeting there.
// Every read is bounded by the LoopbackServer's socket timeouts.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "../support/loopback_server.h"

namespace socks4::test {

struct RshRequest {
  std::string stderr_port;  // as the client sent it
  std::string local_user, remote_user, command;
  std::string peer_ip;            // the control connection's peer (the SOCKS server, relayed)
  bool stderr_connected = false;  // the connection back to the client succeeded
};

class ScriptedRshd {
 public:
  ScriptedRshd();
  uint16_t port() const { return server_.port(); }
  std::vector<RshRequest> requests();

  static std::string output_for(const std::string& command) { return "ran: " + command + "\n"; }
  static std::string errors_for(const std::string& command) {
    return "stderr of " + command + "\n";
  }

 private:
  void serve(int fd);

  std::mutex mutex_;
  std::vector<RshRequest> requests_;
  LoopbackServer server_;  // last: its threads use the members above
};

LoopbackServer::Handler port_command_handler(std::string greeting);

}  // namespace socks4::test
