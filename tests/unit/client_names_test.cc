// Fake addresses for names resolved by the SOCKS server, and when lookups use them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>

#include <cstring>

#include "socks.h"
#include "socks4/client_context.h"
#include "socks4/client_names.h"
#include "socks4/fake_names.h"

namespace socks4::client {
namespace {

void use_conf(const std::string& conf, bool with_server = true) {
  ClientContext ctx;
  ctx.env.username = "tester";
  if (with_server) ctx.default_servers.push_back({"127.0.0.1", 1080});
  ConfParse parsed = parse_socks_conf(conf, "test.conf");
  ASSERT_TRUE(parsed.config.has_value());
  ctx.config = parsed.config;
  replace_context(ctx);
}

TEST(ClientNames, SameNameSameAddressInTheReservedRange) {
  std::optional<uint32_t> a = fake_address_for("Host-A.names.test");
  std::optional<uint32_t> b = fake_address_for("host-b.names.test");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(fake_address_for("host-a.names.test"), a);
  EXPECT_TRUE(is_fake_address(*a));
  EXPECT_EQ(remote_name_of(*a), "host-a.names.test");
  EXPECT_EQ(remote_name_of(*b), "host-b.names.test");
}

TEST(ClientNames, UnknownAddressesHaveNoName) {
  EXPECT_FALSE(remote_name_of(kFakeNetwork).has_value());
  EXPECT_FALSE(remote_name_of(kFakeNetwork + 0x1fffe).has_value());
  EXPECT_FALSE(remote_name_of(0x0a000001).has_value());
}

TEST(ClientNames, NameLineSendsLookupToTheServerWithoutAskingTheResolver) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd .corp.test\ndirect 0.0.0.0/0\n"));
  EXPECT_TRUE(name_routed_by_conf("www.corp.test"));
  EXPECT_TRUE(name_routed_by_conf("WWW.CORP.TEST"));
  EXPECT_FALSE(name_routed_by_conf("www.other.test"));
  hostent* entry = Rgethostbyname("intranet.corp.test");
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(entry->h_addrtype, AF_INET);
  in_addr address;
  std::memcpy(&address, entry->h_addr_list[0], sizeof address);
  EXPECT_EQ(remote_name_of(ntohl(address.s_addr)), "intranet.corp.test");
  EXPECT_STREQ(entry->h_name, "intranet.corp.test");
}

TEST(ClientNames, GetaddrinfoGivesAStreamFakeAddressWithThePort) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd .corp.test\n"));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = AI_CANONNAME;
  addrinfo* result = nullptr;
  ASSERT_EQ(Rgetaddrinfo("ftp.corp.test", "2121", &hints, &result), 0);
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(result->ai_next, nullptr);
  EXPECT_EQ(result->ai_socktype, SOCK_STREAM);
  ASSERT_EQ(result->ai_family, AF_INET);
  auto* in = reinterpret_cast<sockaddr_in*>(result->ai_addr);
  EXPECT_EQ(ntohs(in->sin_port), 2121);
  EXPECT_EQ(remote_name_of(ntohl(in->sin_addr.s_addr)), "ftp.corp.test");
  EXPECT_STREQ(result->ai_canonname, "ftp.corp.test");
  freeaddrinfo(result);  // allocated as glibc does: the ordinary free works
}

TEST(ClientNames, GetaddrinfoForUdpOrIpv6IsNotAnswered) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd .corp.test\n"));
  EXPECT_FALSE(name_routed_by_conf("localhost"));
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST;  // keeps the local lookup off the network
  addrinfo* result = nullptr;
  EXPECT_NE(Rgetaddrinfo("dns.corp.test", "53", &hints, &result), 0);
}

TEST(ClientNames, NumericNamesNeverGetFakeAddresses) {
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd 0.0.0.0/0\n"));
  hostent* entry = Rgethostbyname("192.0.2.7");
  ASSERT_NE(entry, nullptr);
  in_addr address;
  std::memcpy(&address, entry->h_addr_list[0], sizeof address);
  EXPECT_EQ(ntohl(address.s_addr), 0xc0000207u);
}

TEST(ClientNames, DeniedOrDirectNamesAreNotLeftToTheServer) {
  ASSERT_NO_FATAL_FAILURE(use_conf("deny .bad.test\ndirect .local.test\nsockd 0.0.0.0/0\n"));
  EXPECT_FALSE(name_may_go_through_server("x.bad.test"));
  EXPECT_FALSE(name_may_go_through_server("x.local.test"));
  EXPECT_TRUE(name_may_go_through_server("x.else.test"));
  EXPECT_FALSE(name_routed_by_conf("x.else.test"));  // catch-all: ask the resolver first
  ASSERT_NO_FATAL_FAILURE(use_conf("sockd .corp.test\n", /*with_server=*/false));
  EXPECT_FALSE(name_routed_by_conf("x.corp.test"));  // no server to send it to
}

}  // namespace
}  // namespace socks4::client
