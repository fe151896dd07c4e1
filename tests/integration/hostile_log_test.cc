// Control characters and line breaks in a USERID never reach the log raw: whatever a client
// sends, every byte sockd logs is printable ASCII or the newline that ends a line, and a client
// cannot forge a log line. Checked with debug logging on, which logs the most request detail.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/loopback_server.h"
#include "hostile_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

// Every byte but NUL, which ends the field.
std::string all_bytes_but_nul() {
  std::string out;
  for (int c = 1; c < 256; ++c) out.push_back(static_cast<char>(c));
  return out;
}

const std::string kForgery = "x\nsockd[1]: 10.6.6.6:1 CONNECT user=root 10.0.0.1:22 -> granted\r";

TEST_F(HostileTest, UntrustedBytesNeverReachTheLogRaw) {
  // Port 9 on 127.0.0.1 is denied (a rule, with the user in the line); the rest is permitted.
  ASSERT_NO_FATAL_FAILURE(
      start("deny 0.0.0.0/0 127.0.0.1/32 eq 9\npermit 127.0.0.0/8\n", {"-t", "2", "-d"}));
  LoopbackServer echo(echo_handler);
  UniqueFd refusing = bind_loopback(false);
  ASSERT_TRUE(refusing);
  const uint16_t refused = local_port(refusing.get());
  const std::vector<std::string> users = {all_bytes_but_nul(), kForgery, "\x1b]0;pwned\x07",
                                          std::string(255, '\n'), "tab\tand\\backslash"};
  for (const std::string& user : users) {
    // Granted, refused by the destination, denied by a rule, and a 4a name that fails.
    UniqueFd granted = open_relay(port(), connect_request("127.0.0.1", echo.port(), user));
    EXPECT_TRUE(granted);
    EXPECT_TRUE(rejected_with_91(
        offend(port(), connect_request("127.0.0.1", refused, user), Pace::kAtOnce, false)));
    EXPECT_TRUE(rejected_with_91(
        offend(port(), connect_request("127.0.0.1", 9, user), Pace::kAtOnce, false)));
    EXPECT_TRUE(rejected_with_91(
        offend(port(), connect_request_4a("nosuch.invalid", 80, user), Pace::kAtOnce, false)));
  }
  expect_bystander_intact();
  ASSERT_TRUE(sockd().wait_for_log("cannot resolve nosuch.invalid", milliseconds(5000)));

  const std::string log = sockd().log();
  for (size_t i = 0; i < log.size(); ++i) {
    const auto c = static_cast<unsigned char>(log[i]);
    ASSERT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f))
        << "raw byte 0x" << std::hex << int{c} << " at offset " << std::dec << i << " in:\n"
        << log.substr(i > 200 ? i - 200 : 0, 400);
  }
  for (const std::string& line : sockd().log_lines_with({}))
    EXPECT_TRUE(starts_as_sockd_line(line, sockd().pid()))
        << "a line that sockd did not start: " << line;
  EXPECT_TRUE(sockd().log_lines_with({"10.6.6.6:1 CONNECT user=root"}).empty());
  // The escaped forms are there: the user is logged, not dropped.
  EXPECT_FALSE(sockd().log_lines_with({"user=\\x01\\x02\\x03", "-> granted"}).empty());
  EXPECT_FALSE(
      sockd().log_lines_with({"user=x\\x0asockd[1]:\\x2010.6.6.6:1", "denied by rule"}).empty());
  EXPECT_FALSE(
      sockd().log_lines_with({"user=tab\\x09and\\x5cbackslash", "connect failed"}).empty());
}

}  // namespace
}  // namespace socks4::test
