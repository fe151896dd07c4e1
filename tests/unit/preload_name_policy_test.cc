// The preload's pure decisions: settings values, which lookup failures send a name to the
// SOCKS server, which names always stay local.
#include <gtest/gtest.h>
#include <netdb.h>

#include "socks4/name_policy.h"

namespace socks4 {
namespace {

TEST(NamePolicy, ResolveModes) {
  EXPECT_EQ(parse_resolve_mode("fallback"), ResolveMode::kFallback);
  EXPECT_EQ(parse_resolve_mode("remote"), ResolveMode::kRemote);
  EXPECT_EQ(parse_resolve_mode("local"), ResolveMode::kLocal);
  EXPECT_FALSE(parse_resolve_mode("Remote"));
  EXPECT_FALSE(parse_resolve_mode(""));
  EXPECT_STREQ(to_string(ResolveMode::kRemote), "remote");
}

TEST(NamePolicy, UncarriedPolicies) {
  EXPECT_EQ(parse_uncarried_policy("direct"), UncarriedPolicy::kDirect);
  EXPECT_EQ(parse_uncarried_policy("refuse"), UncarriedPolicy::kRefuse);
  EXPECT_FALSE(parse_uncarried_policy("deny"));
}

TEST(NamePolicy, OnlyUnknownOrUnreachableNamesGoRemote) {
  EXPECT_TRUE(local_failure_means_remote(EAI_NONAME));
  EXPECT_TRUE(local_failure_means_remote(EAI_AGAIN));
  EXPECT_TRUE(local_failure_means_remote(EAI_FAIL));
  EXPECT_FALSE(local_failure_means_remote(0));
  EXPECT_FALSE(local_failure_means_remote(EAI_NODATA));      // exists, no address of that kind
  EXPECT_FALSE(local_failure_means_remote(EAI_ADDRFAMILY));  // exists, other family
  EXPECT_FALSE(local_failure_means_remote(EAI_SERVICE));
  EXPECT_FALSE(local_failure_means_remote(EAI_MEMORY));
  EXPECT_TRUE(local_h_errno_means_remote(HOST_NOT_FOUND));
  EXPECT_TRUE(local_h_errno_means_remote(TRY_AGAIN));
  EXPECT_FALSE(local_h_errno_means_remote(NO_DATA));
}

TEST(NamePolicy, NumericAndLocalhostNamesStayLocal) {
  EXPECT_TRUE(always_local_name("192.0.2.1"));
  EXPECT_TRUE(always_local_name("127.1"));  // inet_aton form, as getaddrinfo reads it
  EXPECT_TRUE(always_local_name("::1"));
  EXPECT_TRUE(always_local_name("2001:db8::1"));
  EXPECT_TRUE(always_local_name("localhost"));
  EXPECT_TRUE(always_local_name("LocalHost."));
  EXPECT_TRUE(always_local_name("app.localhost"));
  EXPECT_FALSE(always_local_name("localhost.example"));
  EXPECT_FALSE(always_local_name("www.wan.test"));
  EXPECT_FALSE(always_local_name("1.2.3.4.example"));
}

}  // namespace
}  // namespace socks4
