// Both ends of an active-FTP-style data channel, for the BIND tests under the preload and under
// the supervisor: an application server that reads "PORT <ip> <port>" and connects there, and a
// program that binds, announces what getsockname says, listens and accepts.
#pragma once

#include <sys/socket.h>

#include <sstream>
#include <string>

#include "../support/socket_io.h"

namespace socks4::test {

// Reads "PORT <ip> <port>\n" on the control connection, connects there and sends a line naming
// its own port, so the program can check who its accepted peer is.
inline void data_channel_server(int control) {
  std::string line;
  char c;
  while (line.size() < 200 && recv(control, &c, 1, 0) == 1 && c != '\n') line += c;
  std::istringstream words(line);
  std::string verb, ip;
  int data_port = 0;
  words >> verb >> ip >> data_port;
  if (verb != "PORT" || data_port <= 0 || data_port > 65535) return;
  UniqueFd data = connect_tcp(ip, static_cast<uint16_t>(data_port));
  if (data) send_all(data.get(), "data from port " + std::to_string(local_port(data.get())) + "\n");
}

// The program (python3, argv[1]: the server's port). Prints "announced IP PORT", the server's
// line, and "peer port P Q" (the peer as accept and as getpeername report it).
inline const char* const kActiveClient = R"(
import socket, sys
ctl = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=15)
data = socket.socket()
data.bind((ctl.getsockname()[0], 0))
ip, port = data.getsockname()
data.listen(1)
ctl.sendall(('PORT %s %d\n' % (ip, port)).encode())
conn, peer = data.accept()
conn.settimeout(15)
line = conn.makefile().readline()
print('announced', ip, port)
print(line.strip())
print('peer port', peer[1], conn.getpeername()[1])
)";

}  // namespace socks4::test
