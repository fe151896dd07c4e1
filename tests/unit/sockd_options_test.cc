// sockd's command-line parser (server/options.cc), a pure function of argv.
#include "../../server/options.h"

#include <gtest/gtest.h>

#include <vector>

namespace sockd {
namespace {

OptionsParse parse(std::vector<const char*> args) {
  return parse_options(args);
}

TEST(SockdOptions, NoArgumentsGiveDefaults) {
  OptionsParse result = parse({});
  ASSERT_TRUE(result.options) << result.error;
  const Options& options = *result.options;
  EXPECT_TRUE(options.config_path.empty());
  EXPECT_TRUE(options.listen.empty());
  EXPECT_FALSE(options.foreground);
  EXPECT_FALSE(options.debug);
  EXPECT_FALSE(options.check);
  EXPECT_FALSE(options.threads.has_value());
  EXPECT_TRUE(options.pid_file.empty());
  EXPECT_TRUE(options.use_splice);
}

TEST(SockdOptions, ShortAndLongFormsAreEquivalent) {
  OptionsParse short_form =
      parse({"-f", "a.conf", "-l", "127.0.0.1:0", "-F", "-d", "-n", "-t", "3", "-P", "/run/x.pid"});
  OptionsParse long_form = parse({"--config", "a.conf", "--listen=127.0.0.1:0", "--foreground",
                                  "--debug", "--check", "--threads=3", "--pid-file", "/run/x.pid"});
  for (const OptionsParse* result : {&short_form, &long_form}) {
    ASSERT_TRUE(result->options) << result->error;
    const Options& options = *result->options;
    EXPECT_EQ(options.config_path, "a.conf");
    ASSERT_EQ(options.listen.size(), 1u);
    EXPECT_EQ(options.listen[0].host, "127.0.0.1");
    EXPECT_EQ(options.listen[0].port, 0);
    EXPECT_TRUE(options.foreground);
    EXPECT_TRUE(options.debug);
    EXPECT_TRUE(options.check);
    EXPECT_EQ(options.threads, 3);
    EXPECT_EQ(options.pid_file, "/run/x.pid");
  }
}

TEST(SockdOptions, BundledFlagsAndAttachedValues) {
  OptionsParse result = parse({"-Fdt2", "-fx.conf"});
  ASSERT_TRUE(result.options) << result.error;
  EXPECT_TRUE(result.options->foreground);
  EXPECT_TRUE(result.options->debug);
  EXPECT_EQ(result.options->threads, 2);
  EXPECT_EQ(result.options->config_path, "x.conf");
}

TEST(SockdOptions, ListenIsRepeatableAndAcceptsIpv6) {
  OptionsParse result = parse({"-l", "127.0.0.1", "-l", "[::1]:1081", "--listen", "::"});
  ASSERT_TRUE(result.options) << result.error;
  const auto& listen = result.options->listen;
  ASSERT_EQ(listen.size(), 3u);
  EXPECT_EQ(listen[0].host, "127.0.0.1");
  EXPECT_EQ(listen[0].port, 1080);
  EXPECT_EQ(listen[1].host, "::1");
  EXPECT_EQ(listen[1].port, 1081);
  EXPECT_EQ(listen[2].host, "::");
  EXPECT_EQ(listen[2].port, 1080);
}

TEST(SockdOptions, NoSpliceHelpVersion) {
  OptionsParse result = parse({"--no-splice", "-h", "-V"});
  ASSERT_TRUE(result.options) << result.error;
  EXPECT_FALSE(result.options->use_splice);
  EXPECT_TRUE(result.options->help);
  EXPECT_TRUE(result.options->version);
}

TEST(SockdOptions, UsageErrorsNameTheProblem) {
  struct Case {
    std::vector<const char*> args;
    const char* expected_in_error;
  };
  const Case cases[] = {
      {{"--bogus"}, "--bogus"},
      {{"-x"}, "-x"},
      {{"-f"}, "needs a value"},
      {{"--threads"}, "needs a value"},
      {{"-t", "many"}, "many"},
      {{"-t", "257"}, "257"},
      {{"-t", "-1"}, "-1"},
      {{"-l", "localhost:1080"}, "localhost:1080"},
      {{"-l", "127.0.0.1:65536"}, "65536"},
      {{"-l", "127.0.0.1:"}, "127.0.0.1:"},
      {{"-l", "[::1"}, "[::1"},
      {{"--foreground=yes"}, "takes no value"},
      {{"stray"}, "stray"},
  };
  for (const Case& c : cases) {
    OptionsParse result = parse(c.args);
    EXPECT_FALSE(result.options) << "accepted: " << c.args[0];
    EXPECT_NE(result.error.find(c.expected_in_error), std::string::npos)
        << "error was: " << result.error;
  }
}

TEST(SockdOptions, ListenAddressForms) {
  EXPECT_EQ(parse_listen_address("10.1.2.3:99")->port, 99);
  EXPECT_EQ(parse_listen_address("[fe80::1]")->host, "fe80::1");
  EXPECT_FALSE(parse_listen_address(""));
  EXPECT_FALSE(parse_listen_address("1.2.3"));
  EXPECT_FALSE(parse_listen_address("[1.2.3.4]:80"));
  EXPECT_FALSE(parse_listen_address("[::1]x"));
}

TEST(SockdOptions, HelpMentionsEveryOption) {
  std::string help = usage_text();
  for (const char* option : {"--config", "--listen", "--foreground", "--debug", "--check",
                             "--threads", "--pid-file", "--no-splice", "--help", "--version"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace sockd
