// A private network namespace for identd tests: sockd asks CLIENT_IP:113, so a test that plays
// the client's identd must own port 113 of the client's address. Inside a namespace of its own
// (only lo, up) the test owns all of 127.0.0.0/8 and never meets a real identd.
//
// While a PrivateNetwork lives, the calling thread is in the new namespace: the sockets,
// threads and child processes (sockd, curl) it creates live there too. The destructor moves
// the thread back. Needs CAP_SYS_ADMIN (root, as the firewall tests).
#pragma once

#include <string>

#include "socks4/unique_fd.h"

namespace socks4::test {

class PrivateNetwork {
 public:
  PrivateNetwork();
  // Joins the existing namespace `name` (/run/netns/NAME, as made by `ip netns add`) instead,
  // e.g. the lan host of the firewall test bed.
  explicit PrivateNetwork(const std::string& name);
  ~PrivateNetwork();
  PrivateNetwork(const PrivateNetwork&) = delete;
  PrivateNetwork& operator=(const PrivateNetwork&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  UniqueFd original_;  // the thread's namespace before
  bool entered_ = false;
  std::string error_;
};

}  // namespace socks4::test
