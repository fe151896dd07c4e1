// The shipped sample (etc/sockd.conf) and the examples of man/sockd.conf.5 parse, and mean
// what their comments say.
#include <gtest/gtest.h>

#include "../support/source_dir.h"
#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

MatchInput connect_from(uint32_t source, uint32_t destination, uint16_t port) {
  MatchInput input;
  input.source = IpAddress::ipv4(source);
  input.destination = IpAddress::ipv4(destination);
  input.destination_port = port;
  return input;
}

bool permitted(const Config& config, const MatchInput& input) {
  const Rule* rule = match(config, input);
  return rule != nullptr && rule->action == Action::kPermit;
}

TEST(SockdConfExamples, ShippedSampleIsValidAndNotAnOpenProxy) {
  ParseOutcome outcome = parse_file(socks4::test::source_file("etc/sockd.conf"));
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  const Config& config = *outcome.config;
  ASSERT_EQ(config.settings.listen.size(), 1u);
  EXPECT_EQ(config.settings.listen[0].host, "127.0.0.1");

  const uint32_t inside = ip(192, 168, 1, 20), web = ip(198, 51, 100, 7);
  EXPECT_TRUE(permitted(config, connect_from(inside, web, 443)));
  EXPECT_FALSE(permitted(config, connect_from(inside, web, 25)));
  EXPECT_FALSE(permitted(config, connect_from(inside, web, 445)));
  for (uint32_t outsider :
       {ip(10, 0, 0, 1), ip(192, 168, 2, 1), ip(8, 8, 8, 8), ip(127, 0, 0, 1)}) {
    EXPECT_FALSE(permitted(config, connect_from(outsider, web, 443))) << outsider;
  }
}

TEST(SockdConfExamples, SmallCompanyFromTheManPage) {
  ParseOutcome outcome = parse_text(
      "listen 192.168.1.1:1080\n"
      "user nobody\n"
      "timeout idle 3600\n"
      "\n"
      "deny    192.168.1.0/24 0.0.0.0/0 eq smtp\n"
      "deny    192.168.1.0/24 0.0.0.0/0 eq 445 : /usr/bin/logger -p auth.notice sockd: %u at %a "
      "tried %z\n"
      "deny    192.168.1.0/24 0.0.0.0/0 le 19\n"
      "permit  bind 192.168.1.0/24\n"
      "permit  connect 192.168.1.0 255.255.255.0\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  const Config& config = *outcome.config;
  const uint32_t inside = ip(192, 168, 1, 5), outside = ip(203, 0, 113, 1);
  EXPECT_FALSE(permitted(config, connect_from(inside, outside, 25)));
  EXPECT_FALSE(permitted(config, connect_from(inside, outside, 445)));
  EXPECT_EQ(match(config, connect_from(inside, outside, 445))->shell_command,
            "/usr/bin/logger -p auth.notice sockd: %u at %a tried %z");
  EXPECT_FALSE(permitted(config, connect_from(inside, outside, 19)));
  EXPECT_TRUE(permitted(config, connect_from(inside, outside, 20)));
  MatchInput bind = connect_from(inside, outside, 20);
  bind.command = Command::kBind;
  EXPECT_TRUE(permitted(config, bind));
  EXPECT_FALSE(permitted(config, connect_from(ip(192, 168, 2, 5), outside, 80)));
}

TEST(SockdConfExamples, KioskFromTheManPage) {
  fake_files() = {{"/etc/sockd.staff", "alice bob\n"}};
  ParseOutcome outcome = parse_text(
      "permit connect *=kiosk,/etc/sockd.staff 10.20.0.0/16 .example.com eq 443\n"
      "permit connect 10.20.0.0/16 www.example.org eq http\n");
  fake_files().clear();
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  MatchInput secure = connect_from(ip(10, 20, 1, 1), 0, 443);
  secure.destination_name = "shop.example.com";
  secure.user = "bob";
  EXPECT_TRUE(permitted(*outcome.config, secure));
  secure.user = "mallory";
  EXPECT_FALSE(permitted(*outcome.config, secure));
  MatchInput plain = connect_from(ip(10, 20, 1, 1), 0, 80);
  plain.destination_name = "www.example.org";
  EXPECT_TRUE(permitted(*outcome.config, plain));
}

TEST(SockdConfExamples, OldNecStyleFromTheManPage) {
  ParseOutcome outcome = parse_text(
      "#NO_IDENTD: /usr/bin/logger -p auth.notice no identd at %A\n"
      "deny ?=I 10.1.2.0 255.255.255.0 0.0.0.0 0.0.0.0 eq telnet\n"
      "permit *=root,operator 10.1.0.0 255.255.0.0\n"
      "permit 10.1.0.0 255.255.0.0 0.0.0.0 0.0.0.0 neq 25\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_EQ(outcome.config->no_identd_command, "/usr/bin/logger -p auth.notice no identd at %A");
  EXPECT_EQ(outcome.config->rules[0].port, 23);
  EXPECT_EQ(outcome.config->rules[0].identd, IdentdMode::kStrict);
}

}  // namespace
}  // namespace socks4::conf::testing
