// The supervisor's own DNS server, on loopback UDP ports of its process: a supervised program's
// query for port 53 is sent here instead (its UDP socket is connected here, or its sendto
// redirected), and answered by dns_answers.h. A few threads, so that one slow local lookup does
// not hold up the rest.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <thread>
#include <vector>

#include "socks4/name_policy.h"
#include "socks4/unique_fd.h"

namespace socks4::supervisor {

struct SocketAddress {
  sockaddr_storage address{};
  socklen_t length = 0;
};

class DnsResponder {
 public:
  static constexpr int kThreads = 4;

  explicit DnsResponder(ResolveMode mode);
  ~DnsResponder();  // stops and joins the threads
  DnsResponder(const DnsResponder&) = delete;
  DnsResponder& operator=(const DnsResponder&) = delete;

  // Whether it listens (at least on 127.0.0.1); errno-style reason otherwise.
  bool ok() const { return static_cast<bool>(ipv4_); }
  // Where a program's socket of `family` (AF_INET, AF_INET6) sends its queries instead.
  std::optional<SocketAddress> address_for(int family) const;

 private:
  void serve();

  ResolveMode mode_;
  UniqueFd ipv4_;
  UniqueFd ipv6_;
  SocketAddress ipv4_address_;
  SocketAddress ipv6_address_;
  UniqueFd stop_;  // an eventfd, readable once stopping
  std::vector<std::thread> threads_;
};

}  // namespace socks4::supervisor
