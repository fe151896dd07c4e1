// Bounds: line length, rule count, user lists and their files, the number of diagnostics,
// and read_file's size limit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

TEST(SockdConfLimits, LineAtTheLimitIsAccepted) {
  std::string line = "# " + std::string(kMaxLineLength - 2, 'x');
  ASSERT_EQ(line.size(), kMaxLineLength);
  EXPECT_TRUE(parse_text(line + "\npermit 10.0.0.0/8\n").config);
}

TEST(SockdConfLimits, LongerLineIsRejectedAtTheFirstByteOverTheLimit) {
  std::string line = "# " + std::string(kMaxLineLength - 1, 'x');
  ParseOutcome outcome = parse_text("permit 10.0.0.0/8\n" + line + "\n");
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].to_string(),
            "sockd.conf:2:4097: line is 4097 bytes long, the limit is 4096");
}

TEST(SockdConfLimits, RuleCountIsBounded) {
  std::string text;
  for (size_t i = 0; i < kMaxRules; ++i) text += "deny 10.0.0.0/8\n";
  ParseOutcome at_limit = parse_text(text);
  ASSERT_TRUE(at_limit.config);
  EXPECT_EQ(at_limit.config->rules.size(), kMaxRules);

  ParseOutcome over = parse_text(text + "permit 0.0.0.0/0\n");
  EXPECT_FALSE(over.config);
  ASSERT_EQ(over.errors.size(), 1u);
  EXPECT_EQ(over.errors[0].line, static_cast<int>(kMaxRules) + 1);
  EXPECT_EQ(over.errors[0].message, "too many rules (the limit is 10000)");
}

TEST(SockdConfLimits, UserNameLongerThanAUserIdIsRejected) {
  std::string name(kMaxUserIdLength + 1, 'u');
  ParseOutcome outcome = parse_text("permit *=ok," + name + " 10.0.0.0/8");
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].column, 13);
  EXPECT_EQ(outcome.errors[0].message.rfind("expected a user name of at most 255 bytes", 0), 0u);
}

TEST(SockdConfLimits, UsersPerRuleAreBounded) {
  std::string names;
  for (size_t i = 0; i <= kMaxUsersPerRule; ++i) names += "u" + std::to_string(i) + "\n";
  fake_files() = {{"/many", names}};
  ParseOutcome outcome = parse_text("permit *=/many 10.0.0.0/8");
  fake_files().clear();
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].column, 10);
  EXPECT_EQ(outcome.errors[0].message,
            "too many user names in one *= list (the limit is 10000) (in \"/many\")");
}

TEST(SockdConfLimits, OversizedUserFileIsRejected) {
  fake_files() = {{"/big", std::string(kMaxUserFileBytes + 1, '#')}};
  ParseOutcome outcome = parse_text("permit *=/big 10.0.0.0/8");
  fake_files().clear();
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_EQ(outcome.errors[0].to_string(),
            "sockd.conf:1:10: user-list file \"/big\" is larger than 1048576 bytes");
}

TEST(SockdConfLimits, DiagnosticsAreCappedWithASummary) {
  std::string text;
  for (size_t i = 0; i < kMaxDiagnostics + 7; ++i) text += "bogus\n";
  ParseOutcome outcome = parse_text(text);
  EXPECT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), kMaxDiagnostics + 1);
  EXPECT_EQ(outcome.errors.back().to_string(), "sockd.conf: 7 more errors not shown");
}

TEST(SockdConfLimits, OneSuppressedDiagnosticIsSingular) {
  std::string text;
  for (size_t i = 0; i < kMaxDiagnostics + 1; ++i) text += "bogus\n";
  ParseOutcome outcome = parse_text(text);
  ASSERT_EQ(outcome.errors.size(), kMaxDiagnostics + 1);
  EXPECT_EQ(outcome.errors.back().line, 0);
  EXPECT_EQ(outcome.errors.back().to_string(), "sockd.conf: 1 more error not shown");
}

TEST(SockdConfLimits, LongTokensAreShortenedInMessages) {
  ParseOutcome outcome = parse_text("bogus" + std::string(2000, 'z'));
  ASSERT_EQ(outcome.errors.size(), 1u);
  // The message lists every directive name (about 300 characters) besides the token.
  EXPECT_LT(outcome.errors[0].message.size(), 400u);
  EXPECT_NE(outcome.errors[0].message.find("...\""), std::string::npos);
}

class ReadFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/sockd_conf_test.XXXXXX";
    int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = name;
  }
  void TearDown() override { unlink(path_.c_str()); }
  std::string path_;
};

TEST_F(ReadFileTest, ReadsTheWholeFile) {
  ASSERT_EQ(truncate(path_.c_str(), 0), 0);
  FILE* file = fopen(path_.c_str(), "w");
  ASSERT_NE(file, nullptr);
  fputs("permit 10.0.0.0/8\n", file);
  fclose(file);
  EXPECT_EQ(read_file(path_), "permit 10.0.0.0/8\n");
  ParseOutcome outcome = parse_file(path_);
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->rules.size(), 1u);
}

TEST_F(ReadFileTest, RefusesFilesOverTheLimit) {
  ASSERT_EQ(truncate(path_.c_str(), static_cast<off_t>(kMaxFileBytes) + 1), 0);  // sparse
  errno = 0;
  EXPECT_FALSE(read_file(path_));
  EXPECT_EQ(errno, EFBIG);
  ParseOutcome outcome = parse_file(path_);
  ASSERT_EQ(outcome.errors.size(), 1u);
  EXPECT_NE(outcome.errors[0].message.find("cannot read the configuration file: "),
            std::string::npos);
}

TEST(ReadFile, MissingFileIsNullopt) {
  EXPECT_FALSE(read_file("/nonexistent/sockd.conf"));
}

}  // namespace
}  // namespace socks4::conf::testing
