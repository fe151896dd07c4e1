// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a load
// balancer sends before the client's bytes, telling sockd who the client really is. Pure:
// bytes in, the reported addresses out. Only TCP over IPv4/IPv6 is taken; LOCAL (v2) and
// UNKNOWN (v1) mean "use the connection's own addresses" (a health check, or a balancer that
// does not know).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "endpoint.h"

namespace sockd::proxy_header {

// v1: the spec's longest line, "PROXY UNKNOWN" with two full IPv6 addresses and ports, CRLF.
inline constexpr size_t kMaxV1Size = 107;
// v2: the 16-byte fixed part and at most this much after it (addresses and TLVs). The spec
// allows 65535; a balancer sending TLVs we skip does not need more, and sockd's wait is bounded.
inline constexpr size_t kV2FixedSize = 16;
inline constexpr size_t kMaxV2Payload = 1008;
inline constexpr size_t kMaxSize = kV2FixedSize + kMaxV2Payload;  // what a caller must buffer

enum class Status { kNeedMore, kDone, kMalformed };

struct Header {
  int version = 0;       // 1 or 2
  bool local = false;    // LOCAL / UNKNOWN / AF_UNSPEC: no addresses; use the connection's
  Endpoint source;       // the client, as the balancer saw it (when !local)
  Endpoint destination;  // the address the client reached on the balancer (when !local)
};

struct Result {
  Status status = Status::kNeedMore;
  size_t consumed = 0;  // with kDone: the header's length; the client's bytes follow
  Header header;        // with kDone
  std::string error;    // with kMalformed: why, for the log (no bytes of the input in it)
};

// Parses the start of what a connection sent. kNeedMore while `input` is a proper prefix of a
// header that may still be valid (call again with more); kMalformed as soon as it cannot be.
Result parse(std::span<const uint8_t> input);

}  // namespace sockd::proxy_header
