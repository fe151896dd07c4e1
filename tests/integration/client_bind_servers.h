// The SOCKS 4 servers the client library's BIND side is tested through (client_bind_test.cc):
// our sockd and Dante's danted, both on 127.0.0.1, behind one interface so that every scenario
// runs against both. Each server reports from its own log what it relayed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

namespace socks4::test {

enum class BindServerKind { kOurSockd, kDanted };

class BindTestServer {
 public:
  virtual ~BindTestServer() = default;

  // Starts the server (bounded); empty, or why it did not come up.
  virtual std::string start() = 0;
  virtual uint16_t port() const = 0;
  virtual std::string log() const = 0;

  // BINDs whose inbound connection the server accepted and relayed, by its log.
  virtual size_t binds_served() const = 0;
  // The log shows a granted CONNECT to 127.0.0.1:`destination_port`.
  virtual bool connect_logged(uint16_t destination_port) const = 0;
  // The log shows a granted BIND whose DSTIP:DSTPORT is 127.0.0.1:`destination_port`, from
  // USERID `user` (a prefix of it) where the server logs user ids (danted does not).
  virtual bool bind_logged(uint16_t destination_port, const std::string& user) const = 0;

  // Waits (bounded) until binds_served() reaches `count`.
  bool wait_for_binds_served(size_t count,
                             std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));
};

std::unique_ptr<BindTestServer> make_bind_test_server(BindServerKind kind);

// "OurSockd" / "Danted", for test names.
std::string bind_server_name(BindServerKind kind);
// The same for GoogleTest's messages about a parameter.
void PrintTo(BindServerKind kind, std::ostream* out);

}  // namespace socks4::test
