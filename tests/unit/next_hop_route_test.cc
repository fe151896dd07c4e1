// next_hop and outbound in sockd.conf, and the routing decision of sockd's own outbound
// connections (server/outbound_route.h), with literal files and addresses.
#include <gtest/gtest.h>

#include "../../server/outbound_route.h"
#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

using sockd::HopAction;
using sockd::OutboundQuery;
using sockd::OutboundRoute;

Config config_of(const std::string& text) {
  ParseOutcome outcome = parse_text(text);
  EXPECT_TRUE(outcome.config) << joined_errors(outcome);
  return outcome.config ? *outcome.config : Config{};
}

std::vector<std::string> hop_texts(const OutboundRoute& route) {
  std::vector<std::string> texts;
  for (const auto& hop : route.hops) texts.push_back(hop.to_string());
  return texts;
}

OutboundQuery name_query(const std::string& name, uint16_t port = 80,
                         const std::string& user = "alice") {
  return {name, port, user};
}

TEST(NextHopDirectives, NextHopListInOrder) {
  Config config = config_of("next_hop 192.0.2.1:1080,192.0.2.2:1081, 192.0.2.3\n");
  ASSERT_EQ(config.settings.next_hop.size(), 3u);
  EXPECT_EQ(config.settings.next_hop[0].host, "192.0.2.1");
  EXPECT_EQ(config.settings.next_hop[1].port, 1081);
  EXPECT_EQ(config.settings.next_hop[2].port, 1080);
  EXPECT_TRUE(config.settings.outbound_file.empty());
  EXPECT_FALSE(config.outbound);
}

TEST(NextHopDirectives, BadNextHopRefused) {
  expect_rejected({
      {"next_hop\n", "sockd.conf:1:"},
      {"next_hop 192.0.2.1:0\n", "port"},
      {"next_hop 192.0.2.1:1080,,192.0.2.2\n", "empty"},
      {"next_hop hop.example:1080\n", "IPv4 address"},
      {"next_hop 192.0.2.1\nnext_hop 192.0.2.2\n", "given twice"},
  });
}

TEST(NextHopDirectives, OutboundFileParsedWithTheConfig) {
  fake_files()["/etc/sockd.outbound"] =
      "# comment\n"
      "deny 10.0.0.0/8\n"
      "sockd @=192.0.2.9:1080 .corp.example\n"
      "direct 0.0.0.0 0.0.0.0\n";
  Config config = config_of("outbound /etc/sockd.outbound\n");
  EXPECT_EQ(config.settings.outbound_file, "/etc/sockd.outbound");
  ASSERT_TRUE(config.outbound);
  ASSERT_EQ(config.outbound->rules.size(), 3u);
  EXPECT_EQ(config.outbound->rules[1].line, 3);
}

TEST(NextHopDirectives, BadOutboundFileIsAnErrorWithItsLine) {
  fake_files()["/etc/bad.outbound"] = "direct 0.0.0.0/0\nsockd @=192.0.2.9 10.0.0.0/33\n";
  fake_files()["/etc/named.outbound"] = "sockd @=hop.example:1080 0.0.0.0/0\n";
  fake_files()["/etc/shell.outbound"] = "direct 0.0.0.0/0 : echo hi\n";
  expect_rejected({
      {"outbound /etc/bad.outbound\n", "/etc/bad.outbound:2:"},
      {"outbound /etc/missing.outbound\n", "sockd.conf:1:"},
      {"outbound relative.outbound\n", "absolute path"},
      {"outbound /etc/named.outbound\n", "/etc/named.outbound:1:"},
      {"outbound /etc/shell.outbound\n", "/etc/shell.outbound:1:"},
  });
}

TEST(NextHopRoute, WithoutOutboundEverythingResolvesAndGoesDirect) {
  Config config = config_of("next_hop 192.0.2.1:1080\n");
  EXPECT_EQ(sockd::route_name(config, name_query("www.example")).action, HopAction::kDirect);
  EXPECT_EQ(sockd::route_address(config, ip(198, 51, 100, 7), name_query("")).action,
            HopAction::kDirect);
}

TEST(NextHopRoute, UnresolvableNameGoesToNextHopsInOrder) {
  Config config = config_of("next_hop 192.0.2.1:1080,192.0.2.2:1081\n");
  OutboundRoute route = sockd::route_unresolved(config, name_query("inside.corp"));
  EXPECT_EQ(route.action, HopAction::kNextHop);
  EXPECT_EQ(hop_texts(route), (std::vector<std::string>{"192.0.2.1:1080", "192.0.2.2:1081"}));
  EXPECT_EQ(route.via, "next_hop");
}

TEST(NextHopRoute, UnresolvableNameWithoutNextHopHasNoRoute) {
  Config config = config_of("permit 0.0.0.0/0\n");
  EXPECT_EQ(sockd::route_unresolved(config, name_query("inside.corp")).action, HopAction::kDirect);
}

TEST(NextHopRoute, OutboundNameLinePassesTheNameOnBeforeDns) {
  fake_files()["/o1"] =
      "sockd @=192.0.2.9:1080 .corp.example\n"
      "deny blocked.example\n"
      "direct 0.0.0.0/0\n";
  Config config = config_of("outbound /o1\nnext_hop 192.0.2.1\n");
  OutboundRoute route = sockd::route_name(config, name_query("www.corp.example"));
  EXPECT_EQ(route.action, HopAction::kNextHop);
  EXPECT_EQ(hop_texts(route), (std::vector<std::string>{"192.0.2.9:1080"}));
  EXPECT_EQ(route.via, "/o1 line 1");
  EXPECT_EQ(sockd::route_name(config, name_query("blocked.example")).action, HopAction::kDeny);
  // An address line (even a catch-all) leaves the name to be resolved here.
  EXPECT_EQ(sockd::route_name(config, name_query("www.example")).action, HopAction::kDirect);
}

TEST(NextHopRoute, OutboundAddressLines) {
  fake_files()["/o2"] =
      "sockd @=192.0.2.9:1080,192.0.2.10:1080 10.0.0.0/8 eq 80\n"
      "sockd 172.16.0.0/12\n"
      "deny 198.51.100.0/24\n"
      "direct 0.0.0.0/0\n";
  Config config = config_of("outbound /o2\nnext_hop 192.0.2.1:1090\n");
  OutboundRoute route = sockd::route_address(config, ip(10, 1, 2, 3), name_query("", 80));
  EXPECT_EQ(route.action, HopAction::kNextHop);
  EXPECT_EQ(hop_texts(route), (std::vector<std::string>{"192.0.2.9:1080", "192.0.2.10:1080"}));
  EXPECT_EQ(route.via, "/o2 line 1");
  // Another port: the catch-all direct line.
  EXPECT_EQ(sockd::route_address(config, ip(10, 1, 2, 3), name_query("", 81)).action,
            HopAction::kDirect);
  // A sockd line without @=: the next_hop servers.
  route = sockd::route_address(config, ip(172, 16, 5, 5), name_query(""));
  EXPECT_EQ(route.action, HopAction::kNextHop);
  EXPECT_EQ(hop_texts(route), (std::vector<std::string>{"192.0.2.1:1090"}));
  route = sockd::route_address(config, ip(198, 51, 100, 1), name_query(""));
  EXPECT_EQ(route.action, HopAction::kDeny);
  EXPECT_NE(route.via.find("/o2 line 3"), std::string::npos) << route.via;
}

TEST(NextHopRoute, OutboundSockdLineWithoutServersAndNoNextHopDenies) {
  fake_files()["/o3"] = "sockd 0.0.0.0/0\n";
  Config config = config_of("outbound /o3\n");
  EXPECT_EQ(sockd::route_address(config, ip(192, 0, 2, 50), name_query("")).action,
            HopAction::kDeny);
}

TEST(NextHopRoute, OutboundNoLineMatchedDenies) {
  fake_files()["/o4"] = "direct 10.0.0.0/8\n";
  Config config = config_of("outbound /o4\n");
  OutboundRoute route = sockd::route_address(config, ip(192, 0, 2, 50), name_query(""));
  EXPECT_EQ(route.action, HopAction::kDeny);
  EXPECT_NE(route.via.find("no line"), std::string::npos) << route.via;
}

TEST(NextHopRoute, LoopbackDirectUnlessNamed) {
  fake_files()["/o5"] = "sockd @=192.0.2.9 0.0.0.0/0\n";
  fake_files()["/o6"] = "sockd @=192.0.2.9 127.0.0.1/32 eq 7\n";
  EXPECT_EQ(
      sockd::route_address(config_of("outbound /o5\n"), ip(127, 0, 0, 1), name_query("")).action,
      HopAction::kDirect);
  EXPECT_EQ(
      sockd::route_address(config_of("outbound /o6\n"), ip(127, 0, 0, 1), name_query("", 7)).action,
      HopAction::kNextHop);
}

TEST(NextHopRoute, UnresolvedNameByOutboundLines) {
  fake_files()["/o7"] =
      "deny *=mallory 0.0.0.0/0\n"
      "sockd @=192.0.2.9 .far.example\n"
      "direct 0.0.0.0/0\n";
  Config config = config_of("outbound /o7\nnext_hop 192.0.2.1\n");
  // Denied by a user line before any name line.
  EXPECT_EQ(sockd::route_unresolved(config, name_query("x.example", 80, "mallory")).action,
            HopAction::kDeny);
  // A direct line cannot connect a name nobody resolved: next_hop takes it.
  OutboundRoute route = sockd::route_unresolved(config, name_query("x.example"));
  EXPECT_EQ(route.action, HopAction::kNextHop);
  EXPECT_EQ(hop_texts(route), (std::vector<std::string>{"192.0.2.1:1080"}));
  route = sockd::route_unresolved(config, name_query("a.far.example"));
  EXPECT_EQ(hop_texts(route), (std::vector<std::string>{"192.0.2.9:1080"}));
}

TEST(NextHopRoute, UserListsSeeTheUserSentOn) {
  fake_files()["/o8"] = "sockd @=192.0.2.9 *=bob 0.0.0.0/0\ndirect 0.0.0.0/0\n";
  Config config = config_of("outbound /o8\n");
  EXPECT_EQ(sockd::route_address(config, ip(192, 0, 2, 50), name_query("", 80, "bob")).action,
            HopAction::kNextHop);
  EXPECT_EQ(sockd::route_address(config, ip(192, 0, 2, 50), name_query("", 80, "al")).action,
            HopAction::kDirect);
}

}  // namespace
}  // namespace socks4::conf::testing

namespace socks4::conf::testing {
namespace {

MatchInput check_input(std::optional<uint32_t> destination, const std::string& name,
                       uint16_t port = 80) {
  MatchInput input;
  if (destination) input.destination = IpAddress::ipv4(*destination);
  input.destination_name = name;
  input.destination_port = port;
  input.user = "alice";
  return input;
}

TEST(NextHopRoute, CheckModeDescribesTheRoute) {
  fake_files()["/o9"] =
      "deny 198.51.100.0/24\n"
      "sockd 203.0.113.0/24\n"
      "sockd @=192.0.2.9:1080 .corp.example\n"
      "direct 0.0.0.0/0\n";
  Config config = config_of("outbound /o9\nnext_hop 192.0.2.1:1080,192.0.2.2:1080\n");
  EXPECT_EQ(sockd::describe_route(config, check_input(ip(192, 0, 2, 77), "")), "route: direct");
  EXPECT_EQ(sockd::describe_route(config, check_input(ip(203, 0, 113, 5), "")),
            "route: next hop 192.0.2.1:1080,192.0.2.2:1080 (/o9 line 2)");
  EXPECT_EQ(sockd::describe_route(config, check_input(ip(198, 51, 100, 5), "")),
            "route: denied by outbound /o9 line 1");
  EXPECT_EQ(sockd::describe_route(config, check_input(std::nullopt, "www.corp.example")),
            "route: next hop 192.0.2.9:1080 (/o9 line 3)");
  EXPECT_EQ(sockd::describe_route(config, check_input(std::nullopt, "www.example")),
            "route: resolved here; if it does not resolve: next hop 192.0.2.1:1080,"
            "192.0.2.2:1080 (next_hop)");
  EXPECT_EQ(sockd::describe_route(config_of("permit 0.0.0.0/0\n"),
                                  check_input(std::nullopt, "www.example")),
            "route: resolved here; if it does not resolve: refused");
}

}  // namespace
}  // namespace socks4::conf::testing

namespace socks4::conf::testing {
namespace {

// A 4a name that resolved to IPv6 addresses only: the outbound file has no address for it, so
// its catch-all lines decide (never a silent direct past a deny).
TEST(NextHopRoute, WithoutAnIpv4AddressTheCatchAllDecides) {
  fake_files()["/o10"] = "deny 10.0.0.0/8\ndirect 0.0.0.0/0\n";
  fake_files()["/o11"] = "direct 10.0.0.0/8\ndeny 0.0.0.0/0\n";
  fake_files()["/o12"] = "sockd @=192.0.2.9 0.0.0.0/0\n";
  const OutboundQuery query{"v6only.example", 80, "alice"};
  EXPECT_EQ(sockd::route_address(config_of("outbound /o10\n"), std::nullopt, query).action,
            HopAction::kDirect);
  EXPECT_EQ(sockd::route_address(config_of("outbound /o11\n"), std::nullopt, query).action,
            HopAction::kDeny);
  EXPECT_EQ(sockd::route_address(config_of("outbound /o12\n"), std::nullopt, query).action,
            HopAction::kNextHop);
}

}  // namespace
}  // namespace socks4::conf::testing
