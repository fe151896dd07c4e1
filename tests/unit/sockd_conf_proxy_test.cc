// `listen ADDR:PORT proxy_protocol` and `proxy_from CIDR...`: which listeners take a PROXY
// header, and from which load balancers.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

TEST(SockdConfProxy, ListenerTakesProxyProtocolFromListedBalancers) {
  ParseOutcome outcome = parse_text(
      "listen 127.0.0.1:1080\n"
      "listen 0.0.0.0:1081 proxy_protocol\n"
      "proxy_from 10.0.0.0/8 [2001:db8::]/32\n"
      "PROXY_FROM 192.0.2.7/32\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  const ServerSettings& settings = outcome.config->settings;
  ASSERT_EQ(settings.listen.size(), 2u);
  EXPECT_FALSE(settings.listen[0].proxy_protocol);
  EXPECT_TRUE(settings.listen[1].proxy_protocol);
  EXPECT_EQ(settings.listen[1].port, 1081);
  ASSERT_EQ(settings.proxy_from.size(), 3u);
  EXPECT_TRUE(settings.proxy_from[0].matches(IpAddress::ipv4(ip(10, 9, 8, 7))));
  EXPECT_FALSE(settings.proxy_from[0].matches(IpAddress::ipv4(ip(11, 0, 0, 1))));
  EXPECT_TRUE(settings.proxy_from[1].is_ipv6);
  EXPECT_TRUE(settings.proxy_from[2].matches(IpAddress::ipv4(ip(192, 0, 2, 7))));
}

TEST(SockdConfProxy, ProxyFromAloneIsAllowed) {
  // Harmless without a proxy_protocol listener (a listener may come with the next restart).
  ParseOutcome outcome = parse_text("proxy_from 127.0.0.0/8\n");
  ASSERT_TRUE(outcome.config) << joined_errors(outcome);
  EXPECT_TRUE(outcome.config->settings.listen.empty());
}

TEST(SockdConfProxy, Rejected) {
  expect_rejected({
      {"listen 127.0.0.1:1081 proxy_protocol\n",
       "sockd.conf:1:1: listen ... proxy_protocol needs proxy_from"},
      {"listen 127.0.0.1:1081 proxy\nproxy_from 10.0.0.0/8\n", "proxy_protocol"},
      {"listen 127.0.0.1:1081 proxy_protocol extra\nproxy_from 10.0.0.0/8\n", "end of line"},
      {"listen 127.0.0.1:1081 proxy_protocol\nproxy_from\n", "a load balancer's address"},
      {"listen 127.0.0.1:1081 proxy_protocol\nproxy_from 10.0.0.1\n", "10.0.0.1"},
      {"listen 127.0.0.1:1081 proxy_protocol\nproxy_from 10.0.0.0/33\n", "10.0.0.0/33"},
      {"listen 127.0.0.1:1081 proxy_protocol\nproxy_from example.com\n", "example.com"},
  });
}

}  // namespace
}  // namespace socks4::conf::testing
