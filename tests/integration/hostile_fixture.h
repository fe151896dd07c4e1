// Shared by the hostile-input tests: a sockd with a short negotiation timeout, a bystander
// transfer running through it for the whole test, and a way to send an offending byte
// sequence (all at once or a byte at a time) and see what came back.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../support/bystander.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {

inline constexpr int kHostileNegotiateSeconds = 2;

// What an offending client saw.
struct Outcome {
  std::optional<Reply> reply;  // the first 8 bytes, if they were a reply
  size_t bytes_received = 0;   // everything, reply included
  bool closed = false;         // EOF or reset within the bound
};

enum class Pace { kAtOnce, kByteAtATime };

// Connects to sockd, sends `bytes` (tolerating send failures once sockd has given up), half
// closes if asked, and reads until sockd closes (bounded).
Outcome offend(uint16_t sockd_port, const std::vector<uint8_t>& bytes, Pace pace, bool half_close,
               std::chrono::milliseconds bound = std::chrono::milliseconds(8000));

// "91 then a close, nothing more" / "a close without any byte".
::testing::AssertionResult rejected_with_91(const Outcome& outcome);
::testing::AssertionResult closed_silently(const Outcome& outcome);

class HostileTest : public SockdTest {
 protected:
  // Starts sockd with `rules` after the negotiation timeout line, and the bystander.
  void start(const std::string& rules = "permit 127.0.0.0 255.0.0.0\n",
             std::vector<std::string> extra_args = {"-t", "2"},
             int negotiate_s = kHostileNegotiateSeconds);
  // The bystander kept flowing during the test and arrived intact.
  void expect_bystander_intact();
  void TearDown() override;

  std::unique_ptr<Bystander> bystander_;
};

}  // namespace socks4::test
