// sockd's check mode (--check-request): the request syntax, the verdict with identd, and the
// report.
#include "../../server/check_mode.h"

#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace sockd {
namespace {

using socks4::ReplyCode;
using socks4::conf::testing::fake_services;
using socks4::conf::testing::joined_errors;
using socks4::conf::testing::parse_text;

socks4::conf::Config config_of(const std::string& text) {
  socks4::conf::ParseOutcome outcome = parse_text(text);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  return outcome.config.value_or(socks4::conf::Config{});
}

socks4::conf::MatchInput request(const std::string& text) {
  CheckRequestParse parsed = parse_check_request(text, &fake_services);
  EXPECT_TRUE(parsed.input) << text << ": " << parsed.error;
  return parsed.input.value_or(socks4::conf::MatchInput{});
}

std::string report(const std::string& conf, const std::string& text) {
  socks4::conf::Config config = config_of(conf);
  socks4::conf::MatchInput input = request(text);
  return format_check_report(config, "sockd.conf", input, decide(config, input, "not given"));
}

TEST(CheckRequest, ParsesEveryField) {
  socks4::conf::MatchInput input = request("bind alice 192.168.1.5 198.51.100.2 http bob");
  EXPECT_EQ(input.command, socks4::Command::kBind);
  EXPECT_EQ(input.user, "alice");
  EXPECT_EQ(input.source, socks4::IpAddress::ipv4(0xc0a80105u));
  EXPECT_EQ(input.destination, socks4::IpAddress::ipv4(0xc6336402u));
  EXPECT_EQ(input.destination_name, "");
  EXPECT_EQ(input.destination_port, 80);
  EXPECT_EQ(input.identd_user, "bob");
}

TEST(CheckRequest, DashIsAnEmptyUser) {
  EXPECT_EQ(request("connect - 10.0.0.1 10.0.0.2 25").user, "");
}

TEST(CheckRequest, NamesAreSocks4a) {
  socks4::conf::MatchInput by_name = request("connect u 10.0.0.1 www.example.com 443");
  EXPECT_EQ(by_name.destination_name, "www.example.com");
  EXPECT_EQ(by_name.destination, std::nullopt);
  socks4::conf::MatchInput resolved = request("connect u 10.0.0.1 www.example.com=192.0.2.9 443");
  EXPECT_EQ(resolved.destination_name, "www.example.com");
  EXPECT_EQ(resolved.destination, socks4::IpAddress::ipv4(0xc0000209u));
}

TEST(CheckRequest, BadRequestsSayWhatIsWrong) {
  struct Case {
    const char* text;
    const char* error_part;
  };
  for (const Case& c : {Case{"connect alice 10.0.0.1 10.0.0.2", "expected 'connect|bind"},
                        Case{"connect a b c d e f", "expected 'connect|bind"},
                        Case{"open alice 10.0.0.1 10.0.0.2 80", "connect or bind"},
                        Case{"connect alice 10.0.0 10.0.0.2 80", "client's IPv4 or IPv6 address"},
                        Case{"connect alice 10.0.0.1 0.0.0.0 80", "0.0.0.0"},
                        Case{"connect alice 10.0.0.1 bad!name 80", "destination address"},
                        Case{"connect alice 10.0.0.1 a.test=1.2.3 80", "IPv6 address after '='"},
                        Case{"connect alice 10.0.0.1 a.test=1.2.3.4, 80", "after '='"},
                        Case{"connect alice [::1] 10.0.0.2 80", "IPv6 address"},
                        Case{"connect alice 10.0.0.1 10.0.0.2 65536", "port number"},
                        Case{"connect alice 10.0.0.1 10.0.0.2 gopherx", "port number"}}) {
    CheckRequestParse parsed = parse_check_request(c.text, &fake_services);
    EXPECT_FALSE(parsed.input) << c.text;
    EXPECT_NE(parsed.error.find(c.error_part), std::string::npos) << c.text << ": " << parsed.error;
  }
}

// One sockd.conf, one --check-request line, and the whole report expected.
struct ReportCase {
  const char* name;
  const char* conf;
  const char* request;
  const char* report;
};

class CheckReport : public ::testing::TestWithParam<ReportCase> {};

TEST_P(CheckReport, IsExactly) {
  EXPECT_EQ(report(GetParam().conf, GetParam().request), GetParam().report);
}

constexpr const char* kUserAndNameRule = "permit *=alice 0.0.0.0/0 .example.com eq 443\n";
constexpr const char* kIdentdUserListRule = "permit ?=n *=root 0.0.0.0/0\n";

INSTANTIATE_TEST_SUITE_P(
    Verdicts, CheckReport,
    ::testing::Values(
        ReportCase{"PermitNamesTheLineInCanonicalForm",
                   "deny 10.0.0.0/8 0.0.0.0/0 eq 25\npermit connect 10.0.0.0 255.0.0.0\n",
                   "connect alice 10.1.2.3 192.0.2.1 80",
                   "sockd.conf:2: permit connect 10.0.0.0/8\npermit\n"},
        ReportCase{"DenyByRule", "deny 10.0.0.0/8 0.0.0.0/0 eq 25\npermit 10.0.0.0/8\n",
                   "connect alice 10.1.2.3 192.0.2.1 smtp",
                   "sockd.conf:1: deny 10.0.0.0/8 0.0.0.0/0 eq 25\ndeny\n"},
        ReportCase{"NoRuleMatches", "permit 10.0.0.0/8\n", "connect alice 192.168.1.5 192.0.2.1 80",
                   "no rule matches\ndeny\n"},
        ReportCase{"UserListAndNameMatch", kUserAndNameRule,
                   "connect alice 10.0.0.1 www.example.com 443",
                   "sockd.conf:1: permit *=alice 0.0.0.0/0 .example.com eq 443\npermit\n"},
        ReportCase{"UserNotInTheList", kUserAndNameRule, "connect bob 10.0.0.1 www.example.com 443",
                   "no rule matches\ndeny\n"},
        ReportCase{"AddressWhereTheRuleWantsAName", kUserAndNameRule,
                   "connect alice 10.0.0.1 192.0.2.1 443", "no rule matches\ndeny\n"},
        ReportCase{"ResolvedNameMatchesAddressRules",
                   "deny 0.0.0.0/0 198.51.100.0/24\npermit 0.0.0.0/0\n",
                   "connect u 10.0.0.1 www.wan.test=198.51.100.2 80",
                   "sockd.conf:1: deny 0.0.0.0/0 198.51.100.0/24\ndeny\n"},
        ReportCase{"StrictIdentdWithoutAnAnswerIs92AndRunsNoIdentd",
                   "#NO_IDENTD: logger no identd for %u at %a\npermit ?=I 0.0.0.0/0\n",
                   "connect alice 10.0.0.1 192.0.2.1 80",
                   "sockd.conf:2: permit ?=I 0.0.0.0/0\n"
                   "identd: strict (no user from identd)\n"
                   "command (#NO_IDENTD:): logger no identd for alice at 10.0.0.1\n"
                   "deny (92: no user from identd)\n"},
        ReportCase{"IdentdNamingAnotherUserIs93AndRunsBadId",
                   "identd loose\n#BAD_ID: logger %u is really %U\npermit 0.0.0.0/0\n",
                   "connect alice 10.0.0.1 192.0.2.1 80 mallory",
                   "sockd.conf:3: permit 0.0.0.0/0\n"
                   "identd: loose (identd says mallory)\n"
                   "command (#BAD_ID:): logger alice is really mallory\n"
                   "deny (93: identd reports another user)\n"},
        ReportCase{"MatchingIdentdUserPermits", "identd strict\npermit 0.0.0.0/0\n",
                   "connect alice 10.0.0.1 192.0.2.1 80 alice",
                   "sockd.conf:2: permit 0.0.0.0/0\nidentd: strict (identd says alice)\npermit\n"},
        ReportCase{"RuleModeOverridesTheGlobalOne", "identd strict\npermit ?=n 0.0.0.0/0\n",
                   "connect alice 10.0.0.1 192.0.2.1 80",
                   "sockd.conf:2: permit ?=n 0.0.0.0/0\npermit\n"},
        ReportCase{"UserListMatchesTheIdentdUser", kIdentdUserListRule,
                   "connect - 10.0.0.1 192.0.2.1 80 root",
                   "sockd.conf:1: permit ?=n *=root 0.0.0.0/0\npermit\n"},
        ReportCase{"UserListWithoutAnIdentdUser", kIdentdUserListRule,
                   "connect - 10.0.0.1 192.0.2.1 80", "no rule matches\ndeny\n"},
        ReportCase{"ShellCommandIsShownExpandedAndSanitised",
                   "deny 0.0.0.0/0 : echo %c %u %a %Z:%s %% >> /tmp/log\n",
                   "connect $(id) 10.0.0.1 www.example.com 80",
                   "sockd.conf:1: deny 0.0.0.0/0 : echo %c %u %a %Z:%s %% >> /tmp/log\n"
                   "command (rule line 1): echo connect __id_ 10.0.0.1 www.example.com:80 % >> "
                   "/tmp/log\n"
                   "deny\n"}),
    [](const ::testing::TestParamInfo<ReportCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sockd
