// IPv6 in sockd.conf rules: "[addr]/len" prefixes, the colon before a shell command, and how
// IPv4 and IPv6 rules meet normalised addresses (sockd.conf(5), "How a request is matched").
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

Rule only_rule(const std::string& text) {
  ParseOutcome outcome = parse_text(text);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  if (!outcome.config || outcome.config->rules.size() != 1) return Rule{};
  return outcome.config->rules[0];
}

MatchInput from_to(const char* source, const char* destination, uint16_t port = 80) {
  MatchInput input;
  input.source = *parse_ip_address(source);
  input.destination = *parse_ip_address(destination);
  input.destination_port = port;
  return input;
}

TEST(SockdConfIpv6, PrefixesParseAndFormatBack) {
  Rule rule = only_rule("permit [2001:DB8:0:0::1]/32 [fe80::]/10 eq 22 : echo %a:%p\n");
  EXPECT_TRUE(rule.source.is_ipv6);
  EXPECT_EQ(rule.source.prefix6, 32);
  EXPECT_EQ(rule.shell_command, "echo %a:%p");
  // Bits past the prefix are cleared, the text is canonical, and it parses back the same.
  const std::string text = to_string(rule);
  EXPECT_EQ(text, "permit [2001:db8::]/32 [fe80::]/10 eq 22 : echo %a:%p");
  EXPECT_EQ(only_rule(text + "\n").source, rule.source);
}

TEST(SockdConfIpv6, MalformedPrefixesAreErrorsWithColumns) {
  expect_rejected({
      RejectedLine{"permit [2001:db8::]\n", "sockd.conf:1:8: expected a source address: an IPv6"},
      RejectedLine{"permit 2001:db8::/32\n", "sockd.conf:1:8: expected a source address"},
      RejectedLine{"permit [2001:db8::]/129\n", "sockd.conf:1:8:"},
      RejectedLine{"permit [2001:db8::x]/32\n", "sockd.conf:1:8:"},
      RejectedLine{"permit [::1]/128\n", "write the IPv4 address instead"},
      RejectedLine{"permit [::]/128\n", "write the IPv4 address instead"},
      RejectedLine{"permit [::ffff:10.0.0.0]/104\n", "write the IPv4 address instead"},
      RejectedLine{"permit 10.0.0.0/8 [::ffff:0:0]/96\n",
                   "sockd.conf:1:19: expected a destination"},
  });
}

TEST(SockdConfIpv6, EachFamilyMatchesOnlyItsOwn) {
  ParseOutcome outcome = parse_text(
      "deny 10.0.0.0/8 [2001:db8::]/32\n"       // 1
      "permit 10.0.0.0/8 192.0.0.0/8\n"         // 2
      "permit [2001:db8::]/32 [::]/0\n"         // 3
      "permit [2001:db8::]/32 128.0.0.0/1\n");  // 4
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  auto line = [&](const MatchInput& input) {
    const Rule* rule = match(*outcome.config, input);
    return rule ? rule->line : 0;
  };
  EXPECT_EQ(line(from_to("10.0.0.1", "2001:db8::5")), 1);
  EXPECT_EQ(line(from_to("10.0.0.1", "2001:db9::5")), 0);  // IPv4 rules: not IPv6
  EXPECT_EQ(line(from_to("10.0.0.1", "192.0.2.1")), 2);
  EXPECT_EQ(line(from_to("2001:db8::7", "2001:db9::5")), 3);
  EXPECT_EQ(line(from_to("2001:db8::7", "192.0.2.1")), 4);
  EXPECT_EQ(line(from_to("2001:db8::7", "10.0.0.1")), 0);  // [::]/0: IPv6 only
  // The loopback and mapped forms are IPv4 hosts: IPv4 rules, never the IPv6 ones.
  EXPECT_EQ(line(from_to("::ffff:10.1.2.3", "::ffff:192.0.2.1")), 2);
  EXPECT_EQ(line(from_to("::1", "192.0.2.1")), 0);
}

// 0.0.0.0/0 has always meant "anywhere": it matches IPv6 too, so a deny written with it still
// denies everything it names.
TEST(SockdConfIpv6, ZeroMaskMatchesEveryAddress) {
  ParseOutcome outcome = parse_text(
      "deny 10.0.0.0/8 0.0.0.0/0 eq 25\n"  // 1
      "permit 0.0.0.0 0.0.0.0\n");         // 2
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(match(*outcome.config, from_to("10.0.0.1", "2001:db8::5", 25))->line, 1);
  EXPECT_EQ(match(*outcome.config, from_to("10.0.0.1", "192.0.2.1", 25))->line, 1);
  EXPECT_EQ(match(*outcome.config, from_to("2001:db8::7", "2001:db8::5", 80))->line, 2);
}

TEST(SockdConfIpv6, LoopbackDenyCoversEverySpelling) {
  ParseOutcome outcome = parse_text("deny 0.0.0.0/0 127.0.0.0/8\npermit 127.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  for (const char* destination : {"127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.9"}) {
    const Rule* rule = match(*outcome.config, from_to("::1", destination));
    ASSERT_NE(rule, nullptr) << destination;
    EXPECT_EQ(rule->line, 1) << destination;
  }
}

}  // namespace
}  // namespace socks4::conf::testing
