// The bind_requires_connect directive: BIND only while the client holds a CONNECT to DSTIP.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

TEST(SockdConfBindDirective, DefaultIsYes) {
  ParseOutcome outcome = parse_text("permit 10.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_TRUE(outcome.config->settings.bind_requires_connect);
  EXPECT_TRUE(default_config().settings.bind_requires_connect);
}

struct YesNoCase {
  std::string text;
  bool value;
};

class SockdConfBindValues : public ::testing::TestWithParam<YesNoCase> {};

TEST_P(SockdConfBindValues, Parses) {
  ParseOutcome outcome = parse_text(GetParam().text + "\npermit 10.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->settings.bind_requires_connect, GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(All, SockdConfBindValues,
                         ::testing::Values(YesNoCase{"bind_requires_connect no", false},
                                           YesNoCase{"bind_requires_connect yes", true},
                                           YesNoCase{"BIND_REQUIRES_CONNECT No", false},
                                           YesNoCase{"bind_requires_connect YES # default", true}));

struct ErrorCase {
  std::string text;
  std::string error;
};

class SockdConfBindErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(SockdConfBindErrors, NamesLineColumnAndWhatWasExpected) {
  ParseOutcome outcome = parse_text(GetParam().text);
  EXPECT_FALSE(outcome.config);
  ASSERT_EQ(outcome.errors.size(), 1u) << joined_errors(outcome);
  EXPECT_EQ(outcome.errors[0].to_string(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    All, SockdConfBindErrors,
    ::testing::Values(
        ErrorCase{"bind_requires_connect",
                  "sockd.conf:1:22: expected yes or no after bind_requires_connect, found end of "
                  "line"},
        ErrorCase{"bind_requires_connect maybe",
                  "sockd.conf:1:23: expected yes or no after bind_requires_connect, found "
                  "\"maybe\""},
        ErrorCase{"bind_requires_connect no no",
                  "sockd.conf:1:26: expected end of line after the bind_requires_connect "
                  "directive, found \"no\""},
        ErrorCase{"bind_requires_connect no\nbind_requires_connect yes",
                  "sockd.conf:2:1: bind_requires_connect given twice (first on line 1)"}));

}  // namespace
}  // namespace socks4::conf::testing
