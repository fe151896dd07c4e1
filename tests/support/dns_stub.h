// A scripted DNS server on a loopback UDP port, for resolver failures: it never answers,
// answers SERVFAIL, or answers garbage. sockd reaches it through a resolv.conf line
// "nameserver 127.0.0.1:PORT" (evdns accepts a port there), so no query leaves the machine.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "socks4/unique_fd.h"

namespace socks4::test {

class DnsStub {
 public:
  enum class Mode {
    kSilent,    // reads every query, answers none (a dead or firewalled resolver)
    kServfail,  // the query's header and question with RCODE 2
    kGarbage,   // the query's id followed by bytes that are no DNS message
  };

  explicit DnsStub(Mode mode);
  ~DnsStub();
  DnsStub(const DnsStub&) = delete;
  DnsStub& operator=(const DnsStub&) = delete;

  uint16_t port() const { return port_; }
  int queries() const { return queries_.load(); }
  // A resolv.conf naming only this server, with a short timeout and one attempt.
  std::string resolv_conf(int timeout_s = 1, int attempts = 1) const;

 private:
  void serve();

  Mode mode_;
  UniqueFd socket_;
  uint16_t port_ = 0;
  std::atomic<int> queries_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace socks4::test
