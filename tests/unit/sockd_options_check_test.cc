// sockd's identd and check-mode options: -i/-I and -r/--check-request.
#include <gtest/gtest.h>

#include <vector>

#include "../../server/options.h"

namespace sockd {
namespace {

OptionsParse parse(std::vector<const char*> args) {
  return parse_options(args);
}

TEST(SockdOptionsIdentd, AbsentByDefault) {
  OptionsParse result = parse({});
  ASSERT_TRUE(result.options) << result.error;
  EXPECT_FALSE(result.options->identd.has_value());
  EXPECT_EQ(result.options->check_request, "");
}

TEST(SockdOptionsIdentd, LooseAndStrictShortAndLong) {
  using socks4::conf::IdentdMode;
  EXPECT_EQ(parse({"-i"}).options->identd, IdentdMode::kLoose);
  EXPECT_EQ(parse({"--identd-loose"}).options->identd, IdentdMode::kLoose);
  EXPECT_EQ(parse({"-I"}).options->identd, IdentdMode::kStrict);
  EXPECT_EQ(parse({"--identd-strict"}).options->identd, IdentdMode::kStrict);
  EXPECT_EQ(parse({"-Fi"}).options->identd, IdentdMode::kLoose);        // bundled
  EXPECT_EQ(parse({"-i", "-I"}).options->identd, IdentdMode::kStrict);  // the last one wins
}

TEST(SockdOptionsCheckRequest, TakesOneArgument) {
  OptionsParse short_form = parse({"-f", "a.conf", "-r", "connect alice 10.0.0.1 10.0.0.2 80"});
  ASSERT_TRUE(short_form.options) << short_form.error;
  EXPECT_EQ(short_form.options->check_request, "connect alice 10.0.0.1 10.0.0.2 80");
  OptionsParse long_form = parse({"--check-request=bind - 10.0.0.1 a.test 21"});
  ASSERT_TRUE(long_form.options) << long_form.error;
  EXPECT_EQ(long_form.options->check_request, "bind - 10.0.0.1 a.test 21");
}

TEST(SockdOptionsCheckRequest, MissingOrEmptyIsAUsageError) {
  EXPECT_FALSE(parse({"-r"}).options);
  OptionsParse empty = parse({"--check-request="});
  EXPECT_FALSE(empty.options);
  EXPECT_NE(empty.error.find("--check-request"), std::string::npos) << empty.error;
}

TEST(SockdOptionsCheckRequest, HelpDocumentsIt) {
  const std::string help = usage_text();
  for (const char* text : {"--check-request", "--identd-loose", "--identd-strict", "exit 0 permit"})
    EXPECT_NE(help.find(text), std::string::npos) << text;
}

}  // namespace
}  // namespace sockd
