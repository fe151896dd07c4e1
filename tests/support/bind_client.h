// Test helpers for SOCKS4 BIND: requests, connecting from a chosen source address (the
// application server's side), and the descriptors a process holds (to prove none leak).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "socks4/proto.h"
#include "socks4/unique_fd.h"

namespace socks4::test {

std::vector<uint8_t> bind_request(const std::string& ip, uint16_t port,
                                  const std::string& user = "tester");
std::vector<uint8_t> bind_request_4a(const std::string& host, uint16_t port,
                                     const std::string& user = "tester");

// "127.0.0.1" for a reply's DSTIP.
std::string reply_ip(const Reply& reply);

// A TCP connection to ip:port from `source_ip` (port chosen by the kernel), with I/O timeouts.
// Empty if it failed within `timeout`.
UniqueFd connect_from(const std::string& source_ip, const std::string& ip, uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

// True if a connection to ip:port is refused (nothing listens there any more).
bool connection_refused(const std::string& ip, uint16_t port);

// Open descriptors of `pid` (entries of /proc/PID/fd) other than pipes; -1 if it cannot be
// read. sockd keeps a bounded pool of idle splice pipes per thread whose size depends on past
// traffic, not on the connections open now, so a leak check must not count them.
int open_descriptors(pid_t pid);

// Pipe descriptors of `pid` (both ends count); -1 if it cannot be read.
int open_pipes(pid_t pid);

// Waits (bounded) until `pid` holds exactly `count` descriptors (as open_descriptors counts
// them); returns the last count seen.
int wait_for_descriptors(pid_t pid, int count, std::chrono::milliseconds timeout);

// Waits (bounded) until `pid` holds at least `count` descriptors; returns the last count seen.
// A client's connect() completes in the kernel's accept queue, before sockd has accepted it.
int wait_for_descriptors_at_least(pid_t pid, int count, std::chrono::milliseconds timeout);

}  // namespace socks4::test
