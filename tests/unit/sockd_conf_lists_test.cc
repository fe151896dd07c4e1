// *= user lists and user-list files, comments, and the #NO_IDENTD:/#BAD_ID: lines.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

class SockdConfLists : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_files() = {
        {"/etc/sockd.staff", "# staff\nalice bob\n\tcarol   # the boss\n\n"},
        {"/etc/sockd.ops", "dave\r\neve\r\n"},
        {"/etc/sockd.empty", "# nobody yet\n"},
    };
  }
  void TearDown() override { fake_files().clear(); }

  std::vector<std::string> users_of(const std::string& line) {
    ParseOutcome outcome = parse_text(line);
    EXPECT_TRUE(outcome.config) << joined_errors(outcome);
    if (!outcome.config || outcome.config->rules.empty()) return {"<no rule>"};
    return outcome.config->rules.front().users;
  }
};

TEST_F(SockdConfLists, InlineNames) {
  EXPECT_EQ(users_of("permit *=alice 10.0.0.0/8"), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(users_of("permit *=a,b,c 10.0.0.0/8"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SockdConfLists, FileWithSeveralNamesPerLineAndComments) {
  EXPECT_EQ(users_of("permit *=/etc/sockd.staff 10.0.0.0/8"),
            (std::vector<std::string>{"alice", "bob", "carol"}));
}

TEST_F(SockdConfLists, FileWithCrLfLineEnds) {
  EXPECT_EQ(users_of("permit *=/etc/sockd.ops 10.0.0.0/8"),
            (std::vector<std::string>{"dave", "eve"}));
}

TEST_F(SockdConfLists, NamesAndFilesMixedInOrder) {
  EXPECT_EQ(users_of("permit *=root,/etc/sockd.ops,zed,/etc/sockd.staff 10.0.0.0/8"),
            (std::vector<std::string>{"root", "dave", "eve", "zed", "alice", "bob", "carol"}));
}

TEST_F(SockdConfLists, FileWithNoNamesLeavesOnlyTheInlineNames) {
  EXPECT_EQ(users_of("permit *=/etc/sockd.empty,root 10.0.0.0/8"),
            (std::vector<std::string>{"root"}));
}

TEST_F(SockdConfLists, CommentsAndBlankLinesAreIgnored) {
  ParseOutcome outcome = parse_text(
      "# a comment\n"
      "\n"
      "   # an indented comment\n"
      "permit 10.0.0.0/8 # permit the lan\n"
      "deny 0.0.0.0/0#no space before the comment\n"
      "\t\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  ASSERT_EQ(outcome.config->rules.size(), 2u);
  EXPECT_EQ(outcome.config->rules[1].source.mask, 0u);
  EXPECT_EQ(outcome.config->no_identd_command, "");
}

TEST_F(SockdConfLists, CrLfConfigLines) {
  ParseOutcome outcome = parse_text("permit 10.0.0.0/8\r\ndeny 0.0.0.0/0 : echo x\r\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->rules[1].shell_command, "echo x");
}

TEST_F(SockdConfLists, NoIdentdAndBadIdLines) {
  ParseOutcome outcome = parse_text(
      "#NO_IDENTD: /usr/bin/logger no identd at %A\n"
      "  #BAD_ID:   /usr/bin/logger %U is not %u # kept: the whole rest is the command\n"
      "permit 10.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->no_identd_command, "/usr/bin/logger no identd at %A");
  EXPECT_EQ(outcome.config->bad_id_command,
            "/usr/bin/logger %U is not %u # kept: the whole rest is the command");
  EXPECT_EQ(outcome.config->rules.size(), 1u);
}

TEST_F(SockdConfLists, SpecialCommentsAreCaseSensitiveLikeTheOriginal) {
  ParseOutcome outcome = parse_text("#no_identd: echo plain comment\n#BAD_ID echo no colon\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->no_identd_command, "");
  EXPECT_EQ(outcome.config->bad_id_command, "");
}

TEST_F(SockdConfLists, EmptyFileMeansNoRulesAndDefaultSettings) {
  ParseOutcome outcome = parse_text("");
  ASSERT_TRUE(outcome.config);
  EXPECT_TRUE(outcome.config->rules.empty());
  EXPECT_TRUE(outcome.config->settings.listen.empty());
}

}  // namespace
}  // namespace socks4::conf::testing
