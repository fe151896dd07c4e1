// %-substitution of sockd.conf and socks.conf shell commands and the sanitising of every
// substituted value.
#include "socks4/shell_template.h"

#include <gtest/gtest.h>

#include <string>

namespace socks4 {
namespace {

ShellValues sample_values() {
  ShellValues values;
  values.client_host = "192.0.2.2";
  values.client_address = "192.0.2.2";
  values.command = "connect";
  values.pid = "4242";
  values.service = "http";
  values.port = "80";
  values.identd_user = "alice";
  values.user = "alice";
  values.destination_host = "www.example.test";
  values.destination = "198.51.100.2";
  return values;
}

TEST(ShellTemplate, EverySubstitution) {
  auto expanded = expand_shell_template("%A %a %c %p %S %s %U %u %Z %z %%", sample_values());
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded,
            "192.0.2.2 192.0.2.2 connect 4242 http 80 alice alice www.example.test 198.51.100.2 %");
}

TEST(ShellTemplate, UnknownSequencesAndALoneFinalPercentStay) {
  auto expanded = expand_shell_template("100%x %q done %", sample_values());
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, "100%x %q done %");
}

TEST(ShellTemplate, ProgramNameOnlyWhereKnown) {
  ShellValues values = sample_values();
  EXPECT_EQ(expand_shell_template("%P ran", values), "%P ran");  // sockd: no program
  values.program = "ftp;rm";
  EXPECT_EQ(expand_shell_template("%P ran", values), "ftp_rm ran");
}

TEST(ShellTemplate, NoValueBecomesAnOption) {
  // Handed to logger(1), "-f/etc/shadow" would log that file's contents.
  EXPECT_EQ(sanitize_shell_value("-f/etc/shadow"), "_f/etc/shadow");
  EXPECT_EQ(sanitize_shell_value("--journald"), "_-journald");
  EXPECT_EQ(sanitize_shell_value("a-b"), "a-b");
  ShellValues values = sample_values();
  values.user = "-f/etc/shadow";
  EXPECT_EQ(expand_shell_template("logger %u", values), "logger _f/etc/shadow");
}

TEST(ShellTemplate, PercentPercentIsNotReadAgain) {
  auto expanded = expand_shell_template("%%u", sample_values());
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, "%u");
}

TEST(ShellTemplate, TemplateTextIsNotSanitised) {
  // The administrator's own text keeps its shell syntax; only values are cleaned.
  auto expanded = expand_shell_template("echo '%u' >> /tmp/log; true", sample_values());
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, "echo 'alice' >> /tmp/log; true");
}

TEST(ShellTemplate, SafeCharactersStay) {
  EXPECT_EQ(sanitize_shell_value("Az09!@%-_=+:,./"), "Az09!@%-_=+:,./");
}

TEST(ShellTemplate, EveryOtherByteBecomesUnderscore) {
  for (int c = 0; c < 256; ++c) {
    const char byte = static_cast<char>(c);
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    const bool listed = std::string_view("!@%-_=+:,./").find(byte) != std::string_view::npos;
    // After a letter: a leading '-' is a case of its own (NoValueBecomesAnOption).
    const std::string expected = std::string("x") + (alnum || listed ? byte : '_');
    EXPECT_EQ(sanitize_shell_value(std::string("x") + byte), expected) << "byte " << c;
  }
}

TEST(ShellTemplate, HostileUserIdsLoseTheirShellSyntax) {
  struct Case {
    const char* user;
    const char* expanded;
  };
  for (const Case& c : {Case{"$(touch /tmp/pwn)", "echo __touch_/tmp/pwn_"},
                        Case{";touch /tmp/pwn;", "echo _touch_/tmp/pwn_"},
                        Case{"`touch /tmp/pwn`", "echo _touch_/tmp/pwn_"},
                        Case{"a|b&c>d<e", "echo a_b_c_d_e"}, Case{"x'y\"z\\", "echo x_y_z_"},
                        Case{"line\nnext", "echo line_next"}, Case{"*?[~#", "echo _____"}}) {
    ShellValues values = sample_values();
    values.user = c.user;
    auto expanded = expand_shell_template("echo %u", values);
    ASSERT_TRUE(expanded);
    EXPECT_EQ(*expanded, c.expanded) << c.user;
  }
}

TEST(ShellTemplate, NonAsciiBytesBecomeOneUnderscoreEach) {
  ShellValues values = sample_values();
  values.destination_host = "b\xc3\xa4r.test";
  auto expanded = expand_shell_template("%Z", values);
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, "b__r.test");
}

TEST(ShellTemplate, EmptyValuesExpandToNothing) {
  ShellValues values = sample_values();
  values.identd_user.clear();
  auto expanded = expand_shell_template("[%U]", values);
  ASSERT_TRUE(expanded);
  EXPECT_EQ(*expanded, "[]");
}

TEST(ShellTemplate, ResultIsBounded) {
  ShellValues values = sample_values();
  values.user = std::string(255, 'u');
  std::string many;
  for (int i = 0; i < 100; ++i) many += "%u";
  EXPECT_FALSE(expand_shell_template(many, values));                  // 25500 bytes
  auto fits = expand_shell_template(many.substr(0, 2 * 60), values);  // 15300 bytes
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->size(), 60u * 255u);
}

}  // namespace
}  // namespace socks4
