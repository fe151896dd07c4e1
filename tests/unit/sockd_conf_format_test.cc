// to_string(Rule): canonical text that parses back to the same rule.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

struct FormatCase {
  std::string written;
  std::string canonical;
};

class SockdConfFormat : public ::testing::TestWithParam<FormatCase> {};

Rule only_rule(const std::string& line) {
  ParseOutcome outcome = parse_text(line);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  return outcome.config && !outcome.config->rules.empty() ? outcome.config->rules[0] : Rule{};
}

TEST_P(SockdConfFormat, CanonicalTextAndRoundTrip) {
  Rule rule = only_rule(GetParam().written);
  std::string text = to_string(rule);
  EXPECT_EQ(text, GetParam().canonical);
  Rule again = only_rule(text);
  EXPECT_EQ(to_string(again), text);
  EXPECT_EQ(again.users, rule.users);
  EXPECT_EQ(again.source.mask, rule.source.mask);
}

INSTANTIATE_TEST_SUITE_P(
    All, SockdConfFormat,
    ::testing::Values(
        FormatCase{"permit 10.0.0.0 255.0.0.0", "permit 10.0.0.0/8"},
        FormatCase{"DENY 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0", "deny 0.0.0.0/0 0.0.0.0/0"},
        FormatCase{"permit 10.0.0.5 255.0.0.255", "permit 10.0.0.5 255.0.0.255"},
        FormatCase{"permit ?=i *=a,b BIND 1.2.3.4/32 .Example.com ge telnet :  run %u ",
                   "permit bind ?=i *=a,b 1.2.3.4/32 .example.com ge 23 : run %u"},
        FormatCase{"deny connect ?=n 10.0.0.0/8 eq 0", "deny connect ?=n 10.0.0.0/8 eq 0"},
        FormatCase{"permit ?=I 10.0.0.0/8 192.0.2.0 255.255.255.0 neq 25",
                   "permit ?=I 10.0.0.0/8 192.0.2.0/24 neq 25"}));

TEST(SockdConfFormatUsers, LongUserListIsCutShort) {
  Rule rule;
  rule.action = Action::kPermit;
  rule.users = {"u1", "u2", "u3", "u4"};
  EXPECT_EQ(to_string(rule, 2), "permit *=u1,u2,... 0.0.0.0/0");
  EXPECT_EQ(to_string(rule), "permit *=u1,u2,u3,u4 0.0.0.0/0");
}

}  // namespace
}  // namespace socks4::conf::testing
