// Diagnostics: each bad line gives one error naming file, line and 1-based column, with what
// was found and what was expected; all bad lines are reported, and no config comes back.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

struct ErrorCase {
  std::string text;
  std::string diagnostic;  // the one expected, as ParseDiagnostic::to_string() gives it
  friend void PrintTo(const ErrorCase& c, std::ostream* os) {
    *os << ::testing::PrintToString(c.text);
  }
};

class SockdConfErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SockdConfErrors, ReportsExactPositionAndMessage) {
  ParseOutcome outcome = parse_text(GetParam().text);
  EXPECT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), 1u) << joined_errors(outcome);
  EXPECT_EQ(outcome.errors[0].to_string(), GetParam().diagnostic);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, SockdConfErrors,
    ::testing::Values(
        ErrorCase{"permit 10.0.0.0 255.0.0.0\npermit 10.0.0.0 foo",
                  "sockd.conf:2:17: expected a netmask after 10.0.0.0, found \"foo\""},
        ErrorCase{"permit 10.0.0.0",
                  "sockd.conf:1:16: expected a netmask after 10.0.0.0 (or write 10.0.0.0/len), "
                  "found end of line"},
        ErrorCase{"permit",
                  "sockd.conf:1:7: expected a source address (addr mask, or addr/len), found end "
                  "of line"},
        ErrorCase{"deny 10.0.0.256 255.0.0.0",
                  "sockd.conf:1:6: expected a source address like 10.0.0.0, found "
                  "\"10.0.0.256\""},
        ErrorCase{"deny example.com 255.0.0.0",
                  "sockd.conf:1:6: expected a source address like 10.0.0.0, found "
                  "\"example.com\""},
        ErrorCase{"permit 10.0.0.0/33",
                  "sockd.conf:1:8: expected a source address/prefix like 10.0.0.0/8, found "
                  "\"10.0.0.0/33\""},
        ErrorCase{"permit 10.0.0/8",
                  "sockd.conf:1:8: expected a source address/prefix like 10.0.0.0/8, found "
                  "\"10.0.0/8\""},
        ErrorCase{"permit 10.0.0.0/8 192.0.2.0",
                  "sockd.conf:1:28: expected a netmask after 192.0.2.0 (or write "
                  "192.0.2.0/len), found end of line"},
        ErrorCase{"permit 10.0.0.0/8 192.0.2.0 eq 80",
                  "sockd.conf:1:29: expected a netmask after 192.0.2.0, found \"eq\""},
        ErrorCase{"permit 10.0.0.0/8 80",
                  "sockd.conf:1:19: expected a destination address like 10.0.0.0, found \"80\""},
        ErrorCase{"permit 10.0.0.0/8 bad!name",
                  "sockd.conf:1:19: expected a destination (addr mask, addr/len, host name or "
                  ".domain) or an operator (eq neq lt gt le ge), found \"bad!name\""},
        ErrorCase{"permit 10.0.0.0/8 a..b",
                  "sockd.conf:1:19: expected a destination (addr mask, addr/len, host name or "
                  ".domain) or an operator (eq neq lt gt le ge), found \"a..b\""},
        ErrorCase{"permit 10.0.0.0/8 .",
                  "sockd.conf:1:19: expected a destination address like 10.0.0.0, found \".\""},
        ErrorCase{"permit 10.0.0.0/8 example.com 443",
                  "sockd.conf:1:31: expected an operator (eq neq lt gt le ge), ':' or end of "
                  "line, found \"443\""},
        ErrorCase{"permit 10.0.0.0/8 eq",
                  "sockd.conf:1:21: expected a port number or service name after the operator, "
                  "found end of line"},
        ErrorCase{"permit 10.0.0.0/8 eq 65536",
                  "sockd.conf:1:22: expected a port number from 0 to 65535, found \"65536\""},
        ErrorCase{"permit 10.0.0.0/8 ge gopherz",
                  "sockd.conf:1:22: expected a port number or a known TCP service name, found "
                  "\"gopherz\""},
        ErrorCase{"permit 10.0.0.0/8 eq 80 81",
                  "sockd.conf:1:25: expected ':' or end of line, found \"81\""},
        ErrorCase{"permit 10.0.0.0/8 :",
                  "sockd.conf:1:20: expected a shell command after ':', found end of line"},
        ErrorCase{"permit ?=x 10.0.0.0/8",
                  "sockd.conf:1:10: expected I, i or n after ?=, found \"x\""},
        ErrorCase{"permit ?= 10.0.0.0/8",
                  "sockd.conf:1:10: expected I, i or n after ?=, found nothing"},
        ErrorCase{"permit ?=I ?=n 10.0.0.0/8", "sockd.conf:1:12: ?= given twice in one rule"},
        ErrorCase{"permit connect bind 10.0.0.0/8",
                  "sockd.conf:1:16: connect/bind given twice in one rule"},
        ErrorCase{"permit *=a *=b 10.0.0.0/8", "sockd.conf:1:12: *= given twice in one rule"},
        ErrorCase{"permit *=a,,b 10.0.0.0/8",
                  "sockd.conf:1:12: expected a user name or /path after *= or ',', found \",\""},
        ErrorCase{"permit *= 10.0.0.0/8",
                  "sockd.conf:1:10: expected a user name or /path after *= or ',', found end of "
                  "list"},
        ErrorCase{"permit *=a,/etc/missing 10.0.0.0/8",
                  "sockd.conf:1:12: expected a readable user-list file, cannot read "
                  "\"/etc/missing\""},
        ErrorCase{
            "allow 10.0.0.0/8",
            "sockd.conf:1:1: expected permit, deny or a directive (listen, timeout, "
            "identd, log, log_format, user, threads, resolv_conf, hosts_file, max_connections, "
            "bind_requires_connect, max_connections_per_source, "
            "max_negotiations_per_source, max_binds_per_connection, "
            "max_binds_per_source, proxy_from, next_hop, outbound, stats, stats_allow), found \"allow\""},
        ErrorCase{"  \tpermit 10.0.0.0/8 eq 80\x01",
                  "sockd.conf:1:27: expected text, found the control character \"\\x01\""},
        ErrorCase{"#NO_IDENTD:   ",
                  "sockd.conf:1:12: expected a shell command after #NO_IDENTD:, found end of "
                  "line"},
        ErrorCase{"#BAD_ID: a\n#BAD_ID: b", "sockd.conf:2:1: #BAD_ID: given twice"}));

INSTANTIATE_TEST_SUITE_P(
    Directives, SockdConfErrors,
    ::testing::Values(
        ErrorCase{
            "listen",
            "sockd.conf:1:7: expected a listen address like 127.0.0.1:1080, found end of line"},
        ErrorCase{"listen localhost",
                  "sockd.conf:1:8: expected a numeric listen address like 127.0.0.1, "
                  "127.0.0.1:1080 or [::1]:1080, found \"localhost\""},
        ErrorCase{"listen 127.0.0.1:65536",
                  "sockd.conf:1:8: expected a port from 0 to 65535 after ':', found "
                  "\"127.0.0.1:65536\""},
        ErrorCase{"listen 127.0.0.1:",
                  "sockd.conf:1:8: expected a port from 0 to 65535 after ':', found "
                  "\"127.0.0.1:\""},
        ErrorCase{"listen [::1",
                  "sockd.conf:1:8: expected an IPv6 address closed by ']', found \"[::1\""},
        ErrorCase{"listen [::1]1080",
                  "sockd.conf:1:8: expected ':PORT' after ']', found \"[::1]1080\""},
        ErrorCase{"listen [127.0.0.1]:1080",
                  "sockd.conf:1:8: expected an IPv6 address inside [ ], found "
                  "\"[127.0.0.1]:1080\""},
        ErrorCase{"listen 127.0.0.1 1081",
                  "sockd.conf:1:18: expected proxy_protocol or end of line after the listen "
                  "address, found \"1081\""},
        ErrorCase{"timeout",
                  "sockd.conf:1:8: expected negotiate, connect, idle, identd or shell after "
                  "timeout, found end of line"},
        ErrorCase{"timeout read 5",
                  "sockd.conf:1:9: expected negotiate, connect, idle, identd or shell after "
                  "timeout, found \"read\""},
        ErrorCase{"timeout connect -1",
                  "sockd.conf:1:17: expected seconds (a whole number from 1 to 2000000), found "
                  "\"-1\""},
        ErrorCase{"timeout negotiate 0",
                  "sockd.conf:1:19: expected seconds (a whole number from 1 to 2000000), found "
                  "\"0\""},
        ErrorCase{"timeout idle 2000001",
                  "sockd.conf:1:14: expected seconds (a whole number from 0 to 2000000), found "
                  "\"2000001\""},
        ErrorCase{"timeout idle 5\ntimeout idle 6",
                  "sockd.conf:2:1: timeout idle given twice (first on line 1)"},
        ErrorCase{"identd maybe",
                  "sockd.conf:1:8: expected none, loose or strict after identd, found "
                  "\"maybe\""},
        ErrorCase{"log file",
                  "sockd.conf:1:5: expected stderr, syslog or an absolute path after log, found "
                  "\"file\""},
        ErrorCase{"log syslog kernel",
                  "sockd.conf:1:12: expected a syslog facility (daemon, auth, authpriv, "
                  "local0..local7, ...), found \"kernel\""},
        ErrorCase{"log stderr daemon",
                  "sockd.conf:1:12: expected end of line after the log directive, found "
                  "\"daemon\""},
        ErrorCase{"user", "sockd.conf:1:5: expected a user name to run as, found end of line"},
        ErrorCase{"user no/body",
                  "sockd.conf:1:6: expected a user name to run as, found \"no/body\""},
        ErrorCase{"user nobody\nuser daemon", "sockd.conf:2:1: user given twice (first on line 1)"},
        ErrorCase{"threads 257",
                  "sockd.conf:1:9: expected a thread count (a whole number from 0 to 256), "
                  "found \"257\""},
        ErrorCase{"threads four",
                  "sockd.conf:1:9: expected a thread count (a whole number from 0 to 256), "
                  "found \"four\""},
        ErrorCase{"resolv_conf resolv.conf",
                  "sockd.conf:1:13: expected an absolute path, found \"resolv.conf\""},
        ErrorCase{"hosts_file", "sockd.conf:1:11: expected an absolute path, found end of line"},
        ErrorCase{"max_connections 99999999999",
                  "sockd.conf:1:17: expected a connection count (a whole number from 0 to "
                  "10000000), found \"99999999999\""}));

TEST(SockdConfErrorReport, CollectsEveryBadLine) {
  ParseOutcome outcome = parse_text(
      "permit 10.0.0.0/8\n"
      "permit 10.0.0.0 foo\n"
      "# fine\n"
      "deny 1.2.3.4/40\n"
      "timeout soon 4\n"
      "deny 0.0.0.0/0\n");
  EXPECT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), 3u) << joined_errors(outcome);
  EXPECT_EQ(outcome.errors[0].line, 2);
  EXPECT_EQ(outcome.errors[0].column, 17);
  EXPECT_EQ(outcome.errors[1].line, 4);
  EXPECT_EQ(outcome.errors[1].column, 6);
  EXPECT_EQ(outcome.errors[2].line, 5);
  EXPECT_EQ(outcome.errors[2].column, 9);
  EXPECT_EQ(outcome.errors[2].file, "sockd.conf");
}

TEST(SockdConfErrorReport, FileNameAppearsInDiagnostics) {
  ParseOutcome outcome = parse("bogus\n", "/etc/sockd.conf", &fake_read, &fake_services);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].to_string().rfind("/etc/sockd.conf:1:1: expected permit", 0), 0u)
      << outcome.errors[0].to_string();
}

TEST(SockdConfErrorReport, NoServiceLookupMeansOnlyNumericPorts) {
  ParseOutcome outcome = parse("permit 10.0.0.0/8 eq http\n", "f", &fake_read, nullptr);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].column, 22);
}

TEST(SockdConfErrorReport, UnreadableFileIsADiagnostic) {
  ParseOutcome outcome = parse_file("/nonexistent/sockd.conf", &fake_read, &fake_services);
  EXPECT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].to_string().rfind(
                "/nonexistent/sockd.conf: cannot read the configuration file", 0),
            0u)
      << outcome.errors[0].to_string();
}

TEST(SockdConfErrorReport, ParseFileReadsThroughTheReader) {
  fake_files() = {{"/etc/sockd.conf", "listen 127.0.0.1:1090\npermit 10.0.0.0/8\n"}};
  ParseOutcome outcome = parse_file("/etc/sockd.conf", &fake_read, &fake_services);
  fake_files().clear();
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->settings.listen[0].port, 1090);
  EXPECT_EQ(outcome.config->rules.size(), 1u);
}

}  // namespace
}  // namespace socks4::conf::testing
