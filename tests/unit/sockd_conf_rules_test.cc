// Parsing permit/deny lines: every field of the NEC/CSTC grammar and of the extensions.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"
#include "socks4/conf_lexer.h"

namespace socks4::conf::testing {
namespace {

Rule parse_one_rule(const std::string& line) {
  ParseOutcome outcome = parse_text(line);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  if (!outcome.config || outcome.config->rules.size() != 1) {
    ADD_FAILURE() << "expected exactly one rule from: " << line;
    return {};
  }
  return outcome.config->rules.front();
}

TEST(SockdConfRules, ClassicSourceOnly) {
  Rule rule = parse_one_rule("permit 10.1.0.0 255.255.0.0");
  EXPECT_EQ(rule.action, Action::kPermit);
  EXPECT_EQ(rule.source.address, ip(10, 1, 0, 0));
  EXPECT_EQ(rule.source.mask, ip(255, 255, 0, 0));
  EXPECT_FALSE(rule.destination);
  EXPECT_FALSE(rule.command);
  EXPECT_FALSE(rule.identd);
  EXPECT_TRUE(rule.users.empty());
  EXPECT_EQ(rule.port_op, PortOp::kAny);
  EXPECT_EQ(rule.shell_command, "");
  EXPECT_EQ(rule.line, 1);
}

TEST(SockdConfRules, ClassicFullLine) {
  Rule rule = parse_one_rule(
      "deny ?=I *=alice,bob 10.0.0.0 255.0.0.0 192.0.2.0 255.255.255.0 eq 23 : "
      "/usr/bin/logger %U from %A");
  EXPECT_EQ(rule.action, Action::kDeny);
  EXPECT_EQ(rule.identd, IdentdMode::kStrict);
  EXPECT_EQ(rule.users, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(rule.source.address, ip(10, 0, 0, 0));
  ASSERT_TRUE(rule.destination);
  EXPECT_EQ(rule.destination->name, "");
  EXPECT_EQ(rule.destination->address.address, ip(192, 0, 2, 0));
  EXPECT_EQ(rule.destination->address.mask, ip(255, 255, 255, 0));
  EXPECT_EQ(rule.port_op, PortOp::kEq);
  EXPECT_EQ(rule.port, 23);
  EXPECT_EQ(rule.shell_command, "/usr/bin/logger %U from %A");
}

struct OperatorCase {
  std::string word;
  PortOp op;
};

class SockdConfOperators : public ::testing::TestWithParam<OperatorCase> {};

TEST_P(SockdConfOperators, ParsesEachOperatorInAnyCase) {
  for (const std::string& spelling : {GetParam().word, to_lower(GetParam().word)}) {
    Rule rule = parse_one_rule("permit 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 " + spelling + " 8080");
    EXPECT_EQ(rule.port_op, GetParam().op) << spelling;
    EXPECT_EQ(rule.port, 8080);
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, SockdConfOperators,
    ::testing::Values(OperatorCase{"eq", PortOp::kEq}, OperatorCase{"NEQ", PortOp::kNeq},
                      OperatorCase{"lt", PortOp::kLt}, OperatorCase{"Gt", PortOp::kGt},
                      OperatorCase{"le", PortOp::kLe}, OperatorCase{"GE", PortOp::kGe}));

struct PortCase {
  std::string text;
  uint16_t port;
};

class SockdConfPorts : public ::testing::TestWithParam<PortCase> {};

TEST_P(SockdConfPorts, NumberOrServiceName) {
  Rule rule = parse_one_rule("permit 10.0.0.0/8 eq " + GetParam().text);
  EXPECT_EQ(rule.port, GetParam().port);
  EXPECT_FALSE(rule.destination) << "an operator right after the source means any destination";
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfPorts,
                         ::testing::Values(PortCase{"0", 0}, PortCase{"1", 1},
                                           PortCase{"65535", 65535}, PortCase{"telnet", 23},
                                           PortCase{"http", 80}, PortCase{"ftp", 21}));

TEST(SockdConfRules, CidrForSourceAndDestination) {
  Rule rule = parse_one_rule("permit 192.168.1.0/24 0.0.0.0/0");
  EXPECT_EQ(rule.source.address, ip(192, 168, 1, 0));
  EXPECT_EQ(rule.source.mask, ip(255, 255, 255, 0));
  ASSERT_TRUE(rule.destination);
  EXPECT_EQ(rule.destination->address.mask, 0u);
}

struct PrefixCase {
  std::string prefix;
  uint32_t mask;
};

class SockdConfPrefixes : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(SockdConfPrefixes, PrefixLengthToMask) {
  Rule rule = parse_one_rule("permit 10.0.0.0/" + GetParam().prefix);
  EXPECT_EQ(rule.source.mask, GetParam().mask);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfPrefixes,
                         ::testing::Values(PrefixCase{"0", 0}, PrefixCase{"1", 0x80000000u},
                                           PrefixCase{"8", 0xff000000u},
                                           PrefixCase{"23", 0xfffffe00u},
                                           PrefixCase{"31", 0xfffffffeu},
                                           PrefixCase{"32", 0xffffffffu}));

TEST(SockdConfRules, MixedClassicSourceAndCidrDestination) {
  Rule rule = parse_one_rule("permit 10.0.0.0 255.0.0.0 198.51.100.0/25 lt 1024");
  ASSERT_TRUE(rule.destination);
  EXPECT_EQ(rule.destination->address.address, ip(198, 51, 100, 0));
  EXPECT_EQ(rule.destination->address.mask, ip(255, 255, 255, 128));
  EXPECT_EQ(rule.port_op, PortOp::kLt);
}

TEST(SockdConfRules, NonContiguousMaskIsKeptAsWritten) {
  Rule rule = parse_one_rule("permit 10.0.0.5 255.0.0.255");
  EXPECT_EQ(rule.source.mask, ip(255, 0, 0, 255));
}

struct IdentdCase {
  std::string text;
  IdentdMode mode;
};

class SockdConfIdentdQualifier : public ::testing::TestWithParam<IdentdCase> {};

TEST_P(SockdConfIdentdQualifier, ParsesMode) {
  Rule rule = parse_one_rule("permit ?=" + GetParam().text + " 10.0.0.0/8");
  ASSERT_TRUE(rule.identd);
  EXPECT_EQ(*rule.identd, GetParam().mode);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfIdentdQualifier,
                         ::testing::Values(IdentdCase{"I", IdentdMode::kStrict},
                                           IdentdCase{"i", IdentdMode::kLoose},
                                           IdentdCase{"n", IdentdMode::kNone}));

struct CommandCase {
  std::string text;
  Command command;
};

class SockdConfCommandQualifier : public ::testing::TestWithParam<CommandCase> {};

TEST_P(SockdConfCommandQualifier, ParsesCommandInAnyCase) {
  Rule rule = parse_one_rule("deny " + GetParam().text + " 10.0.0.0/8");
  ASSERT_TRUE(rule.command);
  EXPECT_EQ(*rule.command, GetParam().command);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfCommandQualifier,
                         ::testing::Values(CommandCase{"connect", Command::kConnect},
                                           CommandCase{"CONNECT", Command::kConnect},
                                           CommandCase{"bind", Command::kBind},
                                           CommandCase{"Bind", Command::kBind}));

TEST(SockdConfRules, QualifiersInAnyOrder) {
  Rule rule = parse_one_rule("permit *=carol ?=i bind 10.0.0.0/8");
  EXPECT_EQ(rule.command, Command::kBind);
  EXPECT_EQ(rule.identd, IdentdMode::kLoose);
  EXPECT_EQ(rule.users, (std::vector<std::string>{"carol"}));
}

struct NameCase {
  std::string written;
  std::string stored;
};

class SockdConfNameDestinations : public ::testing::TestWithParam<NameCase> {};

TEST_P(SockdConfNameDestinations, StoredLowerCaseWithoutFinalDot) {
  Rule rule = parse_one_rule("permit 10.0.0.0/8 " + GetParam().written + " eq 443");
  ASSERT_TRUE(rule.destination);
  EXPECT_EQ(rule.destination->name, GetParam().stored);
  EXPECT_EQ(rule.port, 443);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfNameDestinations,
                         ::testing::Values(NameCase{"www.example.com", "www.example.com"},
                                           NameCase{"WWW.Example.COM", "www.example.com"},
                                           NameCase{"example.com.", "example.com"},
                                           NameCase{".example.com", ".example.com"},
                                           NameCase{".Example.Com.", ".example.com"},
                                           NameCase{"intranet", "intranet"},
                                           NameCase{"host-1.my_zone.test", "host-1.my_zone.test"},
                                           NameCase{"1.2.3.example", "1.2.3.example"}));

TEST(SockdConfRules, KeywordsAreCaseInsensitive) {
  ParseOutcome outcome = parse_text("PERMIT 10.0.0.0/8\nDeny 0.0.0.0/0\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  ASSERT_EQ(outcome.config->rules.size(), 2u);
  EXPECT_EQ(outcome.config->rules[0].action, Action::kPermit);
  EXPECT_EQ(outcome.config->rules[1].action, Action::kDeny);
}

TEST(SockdConfRules, ShellCommandIsEverythingAfterTheFirstColon) {
  Rule rule = parse_one_rule("deny 0.0.0.0/0 eq 23:  finger @%A | mail -s 'x: %U' root  ");
  EXPECT_EQ(rule.port, 23);
  EXPECT_EQ(rule.shell_command, "finger @%A | mail -s 'x: %U' root");
}

TEST(SockdConfRules, ShellCommandStopsAtAComment) {
  Rule rule = parse_one_rule("deny 0.0.0.0/0 : echo %a # not part of the command");
  EXPECT_EQ(rule.shell_command, "echo %a");
}

TEST(SockdConfRules, RuleLinesRememberTheirLineNumbers) {
  ParseOutcome outcome = parse_text("# rules\n\npermit 10.0.0.0/8\n  \t\ndeny 0.0.0.0/0\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  ASSERT_EQ(outcome.config->rules.size(), 2u);
  EXPECT_EQ(outcome.config->rules[0].line, 3);
  EXPECT_EQ(outcome.config->rules[1].line, 5);
}

}  // namespace
}  // namespace socks4::conf::testing
