// socks.conf grammar and routing decisions, table-driven.
#include "socks4/socks_conf.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace socks4::client {
namespace {

std::optional<std::string> fake_reader(const std::string& path) {
  if (path == "/etc/socks.users") return std::string("carol, dave # staff\n  erin\n#frank\n");
  return std::nullopt;
}

std::optional<uint16_t> fake_services(const std::string& name) {
  if (name == "telnet") return 23;
  if (name == "http") return 80;
  return std::nullopt;
}

RoutingConfig parse_ok(const std::string& text) {
  ConfParse p = parse_socks_conf(text, "socks.conf", &fake_reader, &fake_services);
  for (const auto& e : p.errors) ADD_FAILURE() << e.to_string();
  EXPECT_TRUE(p.config.has_value());
  return p.config.value_or(RoutingConfig{});
}

uint32_t ip(int a, int b, int c, int d) {
  return static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
         static_cast<uint32_t>(c) << 8 | static_cast<uint32_t>(d);
}

TEST(SocksConfParse, NecLinesAllFields) {
  RoutingConfig c = parse_ok(
      "# comment\n"
      "\n"
      "deny *=root 10.1.0.0 255.255.0.0 eq telnet : /bin/echo denied %u\n"
      "direct 192.0.2.0 255.255.255.0\n"
      "sockd @=198.51.100.1,fw2.example.test:1081 *=alice,/etc/socks.users 0.0.0.0 0.0.0.0 "
      "ge 1024\n"
      "sockd 0.0.0.0 0.0.0.0\n");
  ASSERT_EQ(c.rules.size(), 4u);
  const RoutingRule& deny = c.rules[0];
  EXPECT_EQ(deny.action, RouteAction::kDeny);
  EXPECT_EQ(deny.users, std::vector<std::string>{"root"});
  EXPECT_EQ(deny.address, ip(10, 1, 0, 0));
  EXPECT_EQ(deny.mask, ip(255, 255, 0, 0));
  EXPECT_EQ(deny.port_op, PortOp::kEq);
  EXPECT_EQ(deny.port, 23);
  EXPECT_EQ(deny.shell_command, "/bin/echo denied %u");
  EXPECT_EQ(deny.line, 3);
  EXPECT_EQ(c.rules[1].action, RouteAction::kDirect);
  EXPECT_EQ(c.rules[1].port_op, PortOp::kAny);
  const RoutingRule& via = c.rules[2];
  EXPECT_EQ(via.action, RouteAction::kSockd);
  std::vector<ServerAddress> servers{{"198.51.100.1", 1080}, {"fw2.example.test", 1081}};
  EXPECT_EQ(via.servers, servers);
  std::vector<std::string> users{"alice", "carol", "dave", "erin"};
  EXPECT_EQ(via.users, users);
  EXPECT_EQ(via.port_op, PortOp::kGe);
  EXPECT_EQ(via.port, 1024);
  EXPECT_TRUE(c.rules[3].servers.empty());
}

TEST(SocksConfParse, Extensions) {
  RoutingConfig c = parse_ok(
      "direct 10.0.0.0/8\n"
      "sockd @= .Example.TEST\n"
      "deny host.example.test 255.255.255.255 neq 443\n"
      "sockd 0.0.0.0/0\n");
  ASSERT_EQ(c.rules.size(), 4u);
  EXPECT_EQ(c.rules[0].address, ip(10, 0, 0, 0));
  EXPECT_EQ(c.rules[0].mask, ip(255, 0, 0, 0));
  EXPECT_EQ(c.rules[1].name, ".example.test");
  EXPECT_TRUE(c.rules[1].servers.empty());
  EXPECT_EQ(c.rules[2].name, "host.example.test");
  EXPECT_EQ(c.rules[2].port_op, PortOp::kNeq);
  EXPECT_EQ(c.rules[3].mask, 0u);
}

struct BadLine {
  const char* text;
  int column;
  const char* message_part;
};

class SocksConfErrors : public testing::TestWithParam<BadLine> {};

TEST_P(SocksConfErrors, ReportsFileLineColumn) {
  const BadLine& bad = GetParam();
  ConfParse p = parse_socks_conf(std::string("direct 127.0.0.1 255.0.0.0\n") + bad.text,
                                 "/etc/socks.conf", &fake_reader, &fake_services);
  EXPECT_FALSE(p.config.has_value());
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].file, "/etc/socks.conf");
  EXPECT_EQ(p.errors[0].line, 2);
  EXPECT_EQ(p.errors[0].column, bad.column) << p.errors[0].to_string();
  EXPECT_NE(p.errors[0].message.find(bad.message_part), std::string::npos)
      << p.errors[0].to_string();
  EXPECT_EQ(p.errors[0].to_string().rfind("/etc/socks.conf:2:", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SocksConfErrors,
    testing::Values(BadLine{"permit 0.0.0.0 0.0.0.0", 1, "expected deny, direct or sockd"},
                    BadLine{"direct @=1.2.3.4 0.0.0.0 0.0.0.0", 8, "only allowed on sockd"},
                    BadLine{"sockd @=1.2.3.4:0 0.0.0.0 0.0.0.0", 9, "bad port"},
                    BadLine{"sockd @=a,,b 0.0.0.0 0.0.0.0", 9, "empty server"},
                    BadLine{"sockd @=1.2.3.4 @=5.6.7.8 0.0.0.0/0", 17, "second @="},
                    BadLine{"deny *= 0.0.0.0 0.0.0.0", 8, "empty *= user list"},
                    BadLine{"deny *=a,,b 0.0.0.0 0.0.0.0", 10, "empty name"},
                    BadLine{"deny *=/nonexistent 0.0.0.0 0.0.0.0", 8, "cannot read"},
                    BadLine{"deny", 5, "missing destination"},
                    BadLine{"deny 10.0.0.1", 14, "expected dst_mask"},
                    BadLine{"deny 10.0.0.1 eq 80", 15, "expected dst_mask"},
                    BadLine{"deny 10.0.0.0/33", 6, "bad CIDR"},
                    BadLine{"deny 10.0.0.300 255.0.0.0", 6, "bad destination"},
                    BadLine{"deny 0.0.0.0 0.0.0.0 eq", 24, "missing port"},
                    BadLine{"deny 0.0.0.0 0.0.0.0 eq 70000", 25, "bad port"},
                    BadLine{"deny 0.0.0.0 0.0.0.0 eq nosuchservice", 25, "bad port"},
                    BadLine{"deny 0.0.0.0 0.0.0.0 80", 22, "unexpected '80'"},
                    BadLine{"deny 0.0.0.0 0.0.0.0 :", 22, "empty shell command"},
                    BadLine{": echo hi", 1, "shell command without a rule"}));

TEST(SocksConfParse, ReportsEveryBadLineAndOverlongLines) {
  std::string text = "bogus\ndirect 0.0.0.0/0\n" + std::string(kMaxConfLineLength + 1, 'x') + "\n";
  ConfParse p = parse_socks_conf(text, "f", &fake_reader, &fake_services);
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0].line, 1);
  EXPECT_EQ(p.errors[1].line, 3);
  EXPECT_NE(p.errors[1].message.find("longer than"), std::string::npos);
}

TEST(SocksConfParse, ServerList) {
  std::string error;
  auto list = parse_server_list("10.0.0.1, fw.example.test:1081", &error);
  ASSERT_TRUE(list.has_value()) << error;
  std::vector<ServerAddress> expected{{"10.0.0.1", 1080}, {"fw.example.test", 1081}};
  EXPECT_EQ(*list, expected);
  EXPECT_FALSE(parse_server_list("", &error).has_value());
  EXPECT_FALSE(parse_server_list("host:port", &error).has_value());
  EXPECT_FALSE(parse_server_list("bad host", &error).has_value());
}

// ---- routing ----

struct RouteCase {
  const char* label;
  std::optional<uint32_t> ip;
  const char* name;
  uint16_t port;
  const char* user;
  RouteAction action;
  int line;                          // matching line, 0 for none
  std::vector<std::string> servers;  // hosts, in order
};

const char* kRoutingConf =
    "deny *=mallory 0.0.0.0 0.0.0.0\n"                // 1
    "direct 192.0.2.0 255.255.255.0\n"                // 2
    "deny 198.51.100.7 255.255.255.255 eq telnet\n"   // 3
    "sockd @=10.9.9.1,10.9.9.2 .corp.test\n"          // 4
    "sockd @= 203.0.113.0/24 lt 1024\n"               // 5
    "direct intranet.test\n"                          // 6
    "sockd @=10.9.9.3 198.51.100.0 255.255.255.0\n";  // 7

class Routing : public testing::TestWithParam<RouteCase> {};

TEST_P(Routing, FirstMatchWins) {
  const RouteCase& c = GetParam();
  std::optional<RoutingConfig> config = parse_ok(kRoutingConf);
  std::vector<ServerAddress> defaults{{"10.0.0.53", 1080}};
  RouteDecision d = route(config, defaults, {c.ip, c.name, c.port, c.user});
  EXPECT_EQ(d.action, c.action) << d.reason;
  EXPECT_EQ(d.rule ? d.rule->line : 0, c.line);
  std::vector<std::string> hosts;
  for (const auto& s : d.servers) hosts.push_back(s.host);
  EXPECT_EQ(hosts, c.servers);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Routing,
    testing::Values(
        RouteCase{"user list", ip(8, 8, 8, 8), "", 80, "mallory", RouteAction::kDeny, 1, {}},
        RouteCase{"direct net", ip(192, 0, 2, 9), "", 80, "alice", RouteAction::kDirect, 2, {}},
        RouteCase{"port eq", ip(198, 51, 100, 7), "", 23, "alice", RouteAction::kDeny, 3, {}},
        RouteCase{"port eq miss falls through",
                  ip(198, 51, 100, 7),
                  "",
                  22,
                  "alice",
                  RouteAction::kSockd,
                  7,
                  {"10.9.9.3"}},
        RouteCase{"suffix, name only",
                  std::nullopt,
                  "www.corp.test",
                  443,
                  "alice",
                  RouteAction::kSockd,
                  4,
                  {"10.9.9.1", "10.9.9.2"}},
        RouteCase{"suffix matches the domain itself",
                  std::nullopt,
                  "corp.test",
                  443,
                  "alice",
                  RouteAction::kSockd,
                  4,
                  {"10.9.9.1", "10.9.9.2"}},
        RouteCase{"suffix needs a dot boundary",
                  std::nullopt,
                  "xcorp.test",
                  443,
                  "alice",
                  RouteAction::kDeny,
                  0,
                  {}},
        RouteCase{"empty @= uses SOCKS_SERVER",
                  ip(203, 0, 113, 5),
                  "",
                  80,
                  "alice",
                  RouteAction::kSockd,
                  5,
                  {"10.0.0.53"}},
        RouteCase{"port lt miss", ip(203, 0, 113, 5), "", 8080, "alice", RouteAction::kDeny, 0, {}},
        RouteCase{"exact name",
                  ip(203, 0, 113, 99),
                  "intranet.test",
                  8080,
                  "alice",
                  RouteAction::kDirect,
                  6,
                  {}},
        RouteCase{"name rule needs a name",
                  ip(203, 0, 113, 99),
                  "",
                  8080,
                  "alice",
                  RouteAction::kDeny,
                  0,
                  {}},
        RouteCase{"address rule needs an address",
                  std::nullopt,
                  "other.test",
                  80,
                  "alice",
                  RouteAction::kDeny,
                  0,
                  {}},
        RouteCase{"catch-all user rule matches a name",
                  std::nullopt,
                  "other.test",
                  80,
                  "mallory",
                  RouteAction::kDeny,
                  1,
                  {}},
        RouteCase{"loopback beats a deny",
                  ip(127, 0, 0, 1),
                  "",
                  80,
                  "mallory",
                  RouteAction::kDirect,
                  0,
                  {}},
        RouteCase{"localhost by name",
                  std::nullopt,
                  "localhost",
                  80,
                  "mallory",
                  RouteAction::kDirect,
                  0,
                  {}}),
    [](const testing::TestParamInfo<RouteCase>& info) {
      std::string name;
      for (const char* p = info.param.label; *p; ++p) name += std::isalnum(*p) ? *p : '_';
      return name;
    });

TEST(RoutingDefaults, NoConfigNoServerIsDirect) {
  RouteDecision d = route(std::nullopt, {}, {ip(8, 8, 8, 8), "", 80, "alice"});
  EXPECT_EQ(d.action, RouteAction::kDirect);
}

TEST(RoutingDefaults, NoConfigWithServerGoesThroughIt) {
  std::vector<ServerAddress> defaults{{"10.0.0.1", 1080}, {"10.0.0.2", 1081}};
  RouteDecision d = route(std::nullopt, defaults, {ip(8, 8, 8, 8), "", 80, "alice"});
  EXPECT_EQ(d.action, RouteAction::kSockd);
  EXPECT_EQ(d.servers, defaults);
  EXPECT_EQ(route(std::nullopt, defaults, {ip(127, 1, 2, 3), "", 80, "a"}).action,
            RouteAction::kDirect);
}

TEST(RoutingDefaults, SockdWithoutAnyServerIsDeny) {
  std::optional<RoutingConfig> config = parse_ok("sockd 0.0.0.0 0.0.0.0\n");
  RouteDecision d = route(config, {}, {ip(8, 8, 8, 8), "", 80, "alice"});
  EXPECT_EQ(d.action, RouteAction::kDeny);
  EXPECT_TRUE(d.servers.empty());
}

TEST(RoutingDefaults, OnlyAnExplicitLoopbackLineCapturesLoopback) {
  std::optional<RoutingConfig> config = parse_ok(
      "deny 0.0.0.0 0.0.0.0 eq 25\n"
      "sockd @=127.0.0.1:1081 127.0.0.2 255.255.255.255\n"
      "sockd @=10.0.0.1 0.0.0.0/0\n");
  RouteDecision explicit_line = route(config, {}, {ip(127, 0, 0, 2), "", 80, "a"});
  EXPECT_EQ(explicit_line.action, RouteAction::kSockd);
  EXPECT_EQ(explicit_line.rule->line, 2);
  EXPECT_EQ(route(config, {}, {ip(127, 0, 0, 1), "", 80, "a"}).action, RouteAction::kDirect);
  EXPECT_EQ(route(config, {}, {ip(127, 0, 0, 2), "", 25, "a"}).action, RouteAction::kSockd);
}

TEST(RoutingDefaults, EmptyConfigDeniesAllButLoopback) {
  std::optional<RoutingConfig> config = parse_ok("# nothing\n");
  EXPECT_EQ(route(config, {}, {ip(8, 8, 8, 8), "", 80, "a"}).action, RouteAction::kDeny);
  EXPECT_EQ(route(config, {}, {ip(127, 0, 0, 1), "", 80, "a"}).action, RouteAction::kDirect);
}

}  // namespace
}  // namespace socks4::client
