// match(): first match wins, no match means deny, and every condition of a rule.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

// The config every table row below is matched against; each rule is on the line noted.
constexpr const char* kRules =
    "deny   10.0.0.99/32\n"                                      // 1
    "deny   10.0.0.0/8 0.0.0.0/0 eq 25\n"                        // 2
    "permit bind 10.0.0.0/8 198.51.100.0/24\n"                   // 3
    "deny   bind 10.0.0.0/8\n"                                   // 4
    "permit *=alice,bob 10.1.0.0 255.255.0.0 0.0.0.0 0.0.0.0\n"  // 5
    "deny   10.1.0.0/16\n"                                       // 6
    "permit 10.0.0.0/8 .example.com ge 1024\n"                   // 7
    "permit 10.0.0.0/8 www.example.org\n"                        // 8
    "permit 10.0.0.0/8 192.0.2.0 255.255.255.0 neq 23\n"         // 9
    "permit 10.0.0.0/8 203.0.113.0/24 lt 1024\n"                 // 10
    "permit 10.0.0.0/8 203.0.113.0/24 gt 8000\n"                 // 11
    "permit 10.0.0.0/8 198.18.0.0/15 le 80\n"                    // 12
    "permit 172.16.0.0 255.240.0.255\n";                         // 13: x.y.z.0 only

struct MatchCase {
  std::string name;
  MatchInput input;
  int line;  // 0: no rule matches (deny)
};

MatchInput request(uint32_t source, uint32_t destination, uint16_t port,
                   Command command = Command::kConnect) {
  MatchInput input;
  input.command = command;
  input.source = IpAddress::ipv4(source);
  input.destination = IpAddress::ipv4(destination);
  input.destination_port = port;
  return input;
}

MatchInput named(uint32_t source, const std::string& name, uint16_t port, uint32_t resolved = 0) {
  MatchInput input = request(source, resolved, port);
  input.destination_name = name;
  if (resolved == 0) input.destination.reset();  // not resolved yet
  return input;
}

MatchInput as_user(MatchInput input, const std::string& user, const std::string& identd = "") {
  input.user = user;
  input.identd_user = identd;
  return input;
}

class SockdConfMatch : public ::testing::TestWithParam<MatchCase> {};

TEST_P(SockdConfMatch, FirstMatchingLine) {
  ParseOutcome outcome = parse_text(kRules);
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  const Rule* rule = match(*outcome.config, GetParam().input);
  EXPECT_EQ(rule ? rule->line : 0, GetParam().line);
}

const uint32_t kLan = ip(10, 0, 0, 7);

INSTANTIATE_TEST_SUITE_P(
    Table, SockdConfMatch,
    ::testing::Values(
        MatchCase{"HostDeniedBeforeAnyPermit", request(ip(10, 0, 0, 99), ip(192, 0, 2, 1), 80), 1},
        MatchCase{"SmtpDeniedForLan", request(kLan, ip(192, 0, 2, 1), 25), 2},
        MatchCase{"BindToAllowedNetwork", request(kLan, ip(198, 51, 100, 9), 20, Command::kBind),
                  3},
        MatchCase{"BindElsewhereDenied", request(kLan, ip(192, 0, 2, 1), 20, Command::kBind), 4},
        MatchCase{"ConnectSkipsBindRules", request(kLan, ip(198, 51, 100, 9), 1), 0},
        MatchCase{"ListedUserPermitted", as_user(request(ip(10, 1, 2, 3), 1, 1), "alice"), 5},
        MatchCase{"SecondListedUser", as_user(request(ip(10, 1, 2, 3), 1, 1), "bob"), 5},
        MatchCase{"UnlistedUserFallsThrough", as_user(request(ip(10, 1, 2, 3), 1, 1), "mallory"),
                  6},
        MatchCase{"UserNamesAreCaseSensitive", as_user(request(ip(10, 1, 2, 3), 1, 1), "Alice"), 6},
        MatchCase{"IdentdUserAlsoChecked", as_user(request(ip(10, 1, 2, 3), 1, 1), "x", "alice"),
                  5},
        MatchCase{"EmptyIdentdUserIgnored", as_user(request(ip(10, 1, 2, 3), 1, 1), "", ""), 6},
        MatchCase{"SuffixMatchesDomainItself", named(kLan, "example.com", 8080), 7},
        MatchCase{"SuffixMatchesSubdomain", named(kLan, "a.b.EXAMPLE.com", 1024), 7},
        MatchCase{"SuffixMatchesWithFinalDot", named(kLan, "www.example.com.", 2000), 7},
        MatchCase{"SuffixNeedsLabelBoundary", named(kLan, "badexample.com", 8080), 0},
        MatchCase{"SuffixPortConditionApplies", named(kLan, "www.example.com", 80), 0},
        MatchCase{"ExactNameMatches", named(kLan, "WWW.Example.Org", 80), 8},
        MatchCase{"ExactNameIsNotASuffix", named(kLan, "a.www.example.org", 80), 0},
        MatchCase{"NameRuleNeverMatchesAddressRequest", request(kLan, ip(93, 184, 216, 34), 80), 0},
        MatchCase{"AddressRuleMatchesResolvedName", named(kLan, "mail.test", 80, ip(192, 0, 2, 10)),
                  9},
        MatchCase{"NeqPermitsOtherPorts", request(kLan, ip(192, 0, 2, 10), 22), 9},
        MatchCase{"NeqExcludesItsPort", request(kLan, ip(192, 0, 2, 10), 23), 0},
        MatchCase{"LtBelow", request(kLan, ip(203, 0, 113, 5), 1023), 10},
        MatchCase{"LtNotAtBound", request(kLan, ip(203, 0, 113, 5), 1024), 0},
        MatchCase{"GtAbove", request(kLan, ip(203, 0, 113, 5), 8001), 11},
        MatchCase{"GtNotAtBound", request(kLan, ip(203, 0, 113, 5), 8000), 0},
        MatchCase{"LeAtBound", request(kLan, ip(198, 19, 255, 255), 80), 12},
        MatchCase{"LeAbove", request(kLan, ip(198, 19, 0, 1), 81), 0},
        MatchCase{"GeAtBound", named(kLan, "example.com", 1024), 7},
        MatchCase{"MaskZeroBitsIgnored", request(ip(172, 31, 200, 0), ip(8, 8, 8, 8), 53), 13},
        MatchCase{"MaskOneBitsMustMatch", request(ip(172, 31, 200, 1), ip(8, 8, 8, 8), 53), 0},
        MatchCase{"OutsideEveryRuleDenied", request(ip(192, 168, 1, 1), ip(192, 0, 2, 1), 80), 0}),
    [](const ::testing::TestParamInfo<MatchCase>& info) { return info.param.name; });

TEST(SockdConfMatchBasics, EmptyConfigDeniesEverything) {
  Config config;
  EXPECT_EQ(match(config, request(ip(127, 0, 0, 1), ip(127, 0, 0, 1), 80)), nullptr);
}

TEST(SockdConfMatchBasics, FirstMatchWinsOverLaterBroaderRule) {
  ParseOutcome outcome = parse_text("deny 10.0.0.0/8 eq 80\npermit 0.0.0.0/0\n");
  ASSERT_TRUE(outcome.config);
  const Rule* rule = match(*outcome.config, request(kLan, 1, 80));
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->action, Action::kDeny);
  rule = match(*outcome.config, request(kLan, 1, 81));
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->action, Action::kPermit);
}

// An unresolved name can only meet 0.0.0.0/0, which matches every address. (sockd decides a
// name alone only when no other address destination exists.)
TEST(SockdConfMatchBasics, UnresolvedNameOnlyMatchesAnyAddressDestination) {
  ParseOutcome outcome = parse_text(
      "permit 10.0.0.0/8 192.0.2.0/24\npermit 10.0.0.0/8 [::]/0\npermit 10.0.0.0/8 0.0.0.0/0\n");
  ASSERT_TRUE(outcome.config);
  const Rule* rule = match(*outcome.config, named(kLan, "unresolved.test", 80));
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->line, 3);
}

TEST(SockdConfDefault, ListensOnLoopbackAndPermitsOnlyLoopback) {
  Config config = default_config();
  ASSERT_EQ(config.settings.listen.size(), 1u);
  EXPECT_EQ(config.settings.listen[0], (ListenAddress{"127.0.0.1", 1080}));
  const Rule* local = match(config, request(ip(127, 0, 0, 1), ip(192, 0, 2, 1), 80));
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->action, Action::kPermit);
  EXPECT_NE(match(config, request(ip(127, 200, 3, 4), ip(8, 8, 8, 8), 443, Command::kBind)),
            nullptr);
}

TEST(SockdConfDefault, IsNotAnOpenProxy) {
  Config config = default_config();
  for (uint32_t source : {ip(10, 0, 0, 1), ip(192, 168, 1, 1), ip(8, 8, 8, 8), ip(128, 0, 0, 1),
                          ip(126, 255, 255, 255), ip(0, 0, 0, 0), ip(255, 255, 255, 255)}) {
    const Rule* rule = match(config, request(source, ip(192, 0, 2, 1), 80));
    EXPECT_TRUE(rule == nullptr || rule->action == Action::kDeny) << source;
  }
}

}  // namespace
}  // namespace socks4::conf::testing
