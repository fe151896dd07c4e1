// A scripted DNS server on a loopback UDP port: for resolver failures it never answers, answers
// SERVFAIL, or answers garbage; or it answers from a table (name -> addresses). sockd reaches it
// through a resolv.conf line "nameserver 127.0.0.1:PORT" (evdns accepts a port there), so no
// query leaves the machine.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "socks4/unique_fd.h"

namespace socks4::test {

class DnsStub {
 public:
  enum class Mode {
    kSilent,    // reads every query, answers none (a dead or firewalled resolver)
    kServfail,  // the query's header and question with RCODE 2
    kGarbage,   // the query's id followed by bytes that are no DNS message
    kTable,     // answers from the table given to the constructor
  };

  // Lower-case name without a final dot -> its addresses as text, IPv4 and IPv6 mixed. An A
  // query gets the name's IPv4 addresses, an AAAA query its IPv6 ones, in table order (either
  // may be none: NOERROR without records); a name not in the table gets NXDOMAIN. Names are
  // compared without regard to case (evdns randomises the case of its queries).
  using Table = std::map<std::string, std::vector<std::string>>;

  struct Query {
    std::string name;  // lower case, as asked
    uint16_t type = 0;
  };

  explicit DnsStub(Mode mode);
  // kTable; addresses that are no IPv4 or IPv6 literal are left out of the answers.
  explicit DnsStub(Table table);
  ~DnsStub();
  DnsStub(const DnsStub&) = delete;
  DnsStub& operator=(const DnsStub&) = delete;

  uint16_t port() const { return port_; }
  int queries() const { return queries_.load(); }
  // Every well-formed query so far, in the order received (kTable only).
  std::vector<Query> query_log() const;
  // A resolv.conf naming only this server, with a short timeout and one attempt.
  std::string resolv_conf(int timeout_s = 1, int attempts = 1) const;

 private:
  void start();
  void serve();
  // The answer to `query` (length bytes, header and question valid) in place; its new length,
  // or 0 to send nothing.
  size_t answer_from_table(std::vector<uint8_t>& packet, size_t length);

  Mode mode_;
  Table table_;
  mutable std::mutex log_mutex_;
  std::vector<Query> query_log_;
  UniqueFd socket_;
  uint16_t port_ = 0;
  std::atomic<int> queries_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace socks4::test
