// SOCKS_SERVER / socksify -s / @= lists: one strict grammar, and a malformed SOCKS_SERVER
// refuses every connection but loopback instead of letting them go direct.
#include <gtest/gtest.h>

#include <string>

#include "socks4/client_context.h"
#include "socks4/socks_conf.h"

namespace socks4::client {
namespace {

std::string servers(int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += (i ? ",10.0.0." : "10.0.0.") + std::to_string(i % 250);
  return out;
}

bool printable(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

struct Malformed {
  std::string list;
  const char* message;  // part of the error
};

class ServerListRejects : public testing::TestWithParam<Malformed> {};

TEST_P(ServerListRejects, WithAPrintableReason) {
  std::string error;
  EXPECT_FALSE(parse_server_list(GetParam().list, &error).has_value()) << GetParam().list;
  EXPECT_NE(error.find(GetParam().message), std::string::npos) << error;
  EXPECT_TRUE(printable(error)) << error;
}

INSTANTIATE_TEST_SUITE_P(
    SocksServer, ServerListRejects,
    testing::Values(Malformed{"127.0.0.1;1080", "bad server"}, Malformed{"127.0.0.1:99999", "port"},
                    Malformed{"127.0.0.1:0", "port"}, Malformed{"127.0.0.1:", "port"},
                    Malformed{"x:y", "port"}, Malformed{"127.0.0.1:1080,", "empty server"},
                    Malformed{",127.0.0.1", "empty server"},
                    Malformed{"127.0.0.1,,10.0.0.1", "empty server"}, Malformed{"", "empty"},
                    Malformed{" ", "empty server"}, Malformed{"[::1]:1080", "IPv6"},
                    Malformed{"::1", "IPv6"}, Malformed{"fe80::1%eth0", "IPv6"},
                    Malformed{"127.0.0.1:1080\n", "\\x0a"}, Malformed{"127.0.0.1:1080\r", "\\x0d"},
                    Malformed{"127.0.0.1\n:1080", "\\x0a"}, Malformed{"999.0.0.1", "bad server"},
                    Malformed{"127.0.0.1:+1080", "port"}, Malformed{"127.0.0.1:1080:1080", "port"},
                    Malformed{servers(65), "more than 64 servers"}));

TEST(ServerListAccepts, WellFormedLists) {
  std::string error;
  auto one = parse_server_list("127.0.0.1", &error);
  ASSERT_TRUE(one.has_value()) << error;
  EXPECT_EQ(*one, (std::vector<ServerAddress>{{"127.0.0.1", 1080}}));
  auto two = parse_server_list("10.0.0.1:1081, fw.example.test:65535", &error);
  ASSERT_TRUE(two.has_value()) << error;
  EXPECT_EQ(*two, (std::vector<ServerAddress>{{"10.0.0.1", 1081}, {"fw.example.test", 65535}}));
  auto most = parse_server_list(servers(64), &error);
  ASSERT_TRUE(most.has_value()) << error;
  EXPECT_EQ(most->size(), 64u);
}

TEST(ServerListAccepts, ShortensAnOverlongValueInTheMessage) {
  std::string error;
  EXPECT_FALSE(parse_server_list(std::string(5000, 'a') + ":x", &error).has_value());
  EXPECT_LT(error.size(), 400u) << error;
}

std::optional<std::string> conf_reader(const std::string& path) {
  if (path == "/direct.conf") return std::string("direct 0.0.0.0 0.0.0.0\n");
  errno = ENOENT;
  return std::nullopt;
}

RouteDecision route_to(const ClientContext& ctx, uint32_t ip) {
  RouteQuery query;
  query.ip = ip;
  query.port = 80;
  return route(ctx.config, ctx.default_servers, query);
}

TEST(ClientContext, MalformedServerListRefusesAllButLoopback) {
  ClientEnvironment env;
  env.conf_path = "/missing.conf";  // no socks.conf: a good SOCKS_SERVER would carry everything
  env.server_list = "127.0.0.1:1080\n";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &conf_reader);
  EXPECT_EQ(route_to(ctx, 0xC0000201).action, RouteAction::kDeny);  // 192.0.2.1
  EXPECT_EQ(route_to(ctx, 0x7F000001).action, RouteAction::kDirect);
  EXPECT_NE(ctx.refusal.find("SOCKS_SERVER"), std::string::npos) << ctx.refusal;
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(printable(problems[0])) << problems[0];
  EXPECT_NE(problems[0].find("127.0.0.1:1080\\x0a"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("refusing every connection but loopback"), std::string::npos)
      << problems[0];
}

TEST(ClientContext, MalformedServerListOverridesADirectSocksConf) {
  ClientEnvironment env;
  env.conf_path = "/direct.conf";
  env.server_list = "127.0.0.1:99999";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &conf_reader);
  EXPECT_EQ(route_to(ctx, 0xC0000201).action, RouteAction::kDeny);
  EXPECT_EQ(problems.size(), 1u);
}

TEST(ClientContext, WellFormedSettingsRefuseNothing) {
  ClientEnvironment env;
  env.conf_path = "/missing.conf";
  env.server_list = "127.0.0.1:1080";
  std::vector<std::string> problems;
  ClientContext ctx = build_context(env, problems, &conf_reader);
  EXPECT_TRUE(ctx.refusal.empty()) << ctx.refusal;
  EXPECT_EQ(route_to(ctx, 0xC0000201).action, RouteAction::kSockd);
}

}  // namespace
}  // namespace socks4::client
