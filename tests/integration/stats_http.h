// Helpers for the stats listener tests: a bounded HTTP/1.0 GET from a chosen loopback source
// address, the stats port from sockd's log, and one sample of the /metrics text.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "../support/sockd_process.h"

namespace socks4::test {

struct HttpResponse {
  int status = 0;  // 0: no valid response (connection refused, timeout, garbage)
  std::string headers;
  std::string body;
};

// GET `path` from 127.0.0.1:`port` with `source` as the client's address; bounded by 5 s.
HttpResponse http_get(uint16_t port, const std::string& path,
                      const std::string& source = "127.0.0.1");

// The port of sockd's first stats listener, from its "stats: serving http://ADDR:PORT/" line.
std::optional<uint16_t> stats_port(const SockdProcess& sockd);

// The value of the sample whose name and labels are exactly `series` (e.g.
// `sockd_requests_total{command="connect",result="granted"}`); nullopt if absent.
std::optional<double> metric_value(const std::string& text, const std::string& series);

// Scrapes /metrics until `series` equals `expected` (bounded); returns the last text.
std::string wait_for_metric(uint16_t port, const std::string& series, double expected,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace socks4::test
