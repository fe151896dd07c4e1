// A two-way bulk transfer through sockd, as the relay tests run it: a CONNECT to a fresh
// loopback peer, then each end runs its DuplexPlan (duplex_transfer.h) at the same time.
#pragma once

#include <chrono>
#include <cstdint>

#include "duplex_transfer.h"

namespace socks4::test {

// Runs the transfer through sockd on 127.0.0.1:`sockd_port` and checks with GoogleTest
// assertions that both ends sent everything, saw a clean EOF and received exactly what the
// other end sent. The wait for the peer's end is bounded by `bound`.
void check_relayed_transfer(uint16_t sockd_port, const DuplexPlan& client_plan,
                            const DuplexPlan& peer_plan,
                            std::chrono::milliseconds bound = std::chrono::milliseconds(90000));

}  // namespace socks4::test
