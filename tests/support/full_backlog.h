// A TCP port on 127.0.0.1 where connects neither succeed nor fail: a listener with backlog 0
// whose accept queue is kept full, so the kernel drops every further SYN and a connect there
// hangs until the connecting side gives up. Stands in for a destination (or a SOCKS server)
// that never answers, without leaving the machine.
#pragma once

#include <cstdint>
#include <vector>

#include "socks4/unique_fd.h"

namespace socks4::test {

class FullBacklogListener {
 public:
  FullBacklogListener();
  // True once a probe connect was seen to hang (the queue is really full).
  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }

 private:
  UniqueFd listener_;
  std::vector<UniqueFd> fillers_;
  uint16_t port_ = 0;
  bool ok_ = false;
};

}  // namespace socks4::test
