// The identd and shell command parts of sockd.conf: the `identd` mode, `timeout identd`,
// `timeout shell`, the #NO_IDENTD: and #BAD_ID: lines.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

TEST(SockdConfIdentd, TimeoutDefaultsToTenSeconds) {
  ParseOutcome outcome = parse_text("permit 10.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->settings.identd_timeout_s, 10);
}

TEST(SockdConfIdentd, TimeoutIsSet) {
  ParseOutcome outcome = parse_text("TIMEOUT Identd 3\nidentd strict\npermit 10.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->settings.identd_timeout_s, 3);
  EXPECT_EQ(outcome.config->settings.identd, IdentdMode::kStrict);
}

TEST(SockdConfIdentd, TimeoutMustBeAtLeastOneSecond) {
  ParseOutcome outcome = parse_text("timeout identd 0\n");
  ASSERT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].to_string(),
            "sockd.conf:1:16: expected seconds (a whole number from 1 to 2000000), found \"0\"");
}

TEST(SockdConfIdentd, TimeoutGivenTwiceIsAnError) {
  ParseOutcome outcome = parse_text("timeout identd 5\ntimeout identd 6\n");
  ASSERT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_NE(outcome.errors[0].message.find("timeout identd given twice (first on line 1)"),
            std::string::npos)
      << outcome.errors[0].to_string();
}

TEST(SockdConfIdentd, ShellTimeoutDefaultsToSixtySecondsAndIsSet) {
  ParseOutcome defaults = parse_text("permit 10.0.0.0/8\n");
  ASSERT_TRUE(defaults.config) << joined_errors(defaults);
  EXPECT_EQ(defaults.config->settings.shell_timeout_s, 60);
  ParseOutcome set = parse_text("timeout shell 2\npermit 10.0.0.0/8\n");
  ASSERT_TRUE(set.config) << joined_errors(set);
  EXPECT_EQ(set.config->settings.shell_timeout_s, 2);
}

TEST(SockdConfIdentd, SpecialCommandsAreKept) {
  ParseOutcome outcome = parse_text(
      "#NO_IDENTD: logger no identd at %A\n#BAD_ID: logger %u is %U really\npermit ?=I "
      "0.0.0.0/0\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->no_identd_command, "logger no identd at %A");
  EXPECT_EQ(outcome.config->bad_id_command, "logger %u is %U really");
  ASSERT_EQ(outcome.config->rules.size(), 1u);
  EXPECT_EQ(outcome.config->rules[0].identd, IdentdMode::kStrict);
}

}  // namespace
}  // namespace socks4::conf::testing
