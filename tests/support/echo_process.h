// An echo server in a forked child process running one epoll loop: for load tests with more
// connections than a thread per connection allows, or than the test process could hold
// descriptors for next to its own client sockets. Echoes everything; after a client's EOF it
// closes once everything is echoed. Fork it before the test starts threads of its own. The
// child dies with the test process (PR_SET_PDEATHSIG) and is killed and reaped by the
// destructor.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace socks4::test {

class EchoProcess {
 public:
  EchoProcess();
  ~EchoProcess();
  EchoProcess(const EchoProcess&) = delete;
  EchoProcess& operator=(const EchoProcess&) = delete;

  bool ok() const { return pid_ > 0 && port_ != 0; }
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace socks4::test
