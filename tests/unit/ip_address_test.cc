// IpAddress: one form per host (::1 is 127.0.0.1, :: is 0.0.0.0, ::ffff:a.b.c.d is a.b.c.d),
// and the destinations no rule can permit.
#include "socks4/ip_address.h"

#include <gtest/gtest.h>

namespace socks4 {
namespace {

struct NormalisedCase {
  const char* text;
  const char* canonical;
  bool is_ipv6;
};

class Normalised : public ::testing::TestWithParam<NormalisedCase> {};

TEST_P(Normalised, OneFormPerHost) {
  std::optional<IpAddress> address = parse_ip_address(GetParam().text);
  ASSERT_TRUE(address) << GetParam().text;
  EXPECT_EQ(address->to_string(), GetParam().canonical);
  EXPECT_EQ(address->is_ipv6, GetParam().is_ipv6);
}

INSTANTIATE_TEST_SUITE_P(Table, Normalised,
                         ::testing::Values(NormalisedCase{"192.0.2.1", "192.0.2.1", false},
                                           NormalisedCase{"::1", "127.0.0.1", false},
                                           NormalisedCase{"0:0:0:0:0:0:0:1", "127.0.0.1", false},
                                           NormalisedCase{"::", "0.0.0.0", false},
                                           NormalisedCase{"::ffff:127.0.0.1", "127.0.0.1", false},
                                           NormalisedCase{"::FFFF:c000:0201", "192.0.2.1", false},
                                           NormalisedCase{"2001:db8::1", "2001:db8::1", true},
                                           NormalisedCase{"::2", "::2", true},
                                           NormalisedCase{"fe80::1", "fe80::1", true}));

TEST(ParseIpAddress, RefusesWhatIsNoAddress) {
  for (const char* text : {"", "1.2.3", "1.2.3.4.5", "01.2.3.4x", "256.0.0.1", "[::1]", "::g",
                           "1:2:3:4:5:6:7:8:9", "localhost", " 1.2.3.4"})
    EXPECT_FALSE(parse_ip_address(text)) << text;
}

TEST(NeverAllowedDestination, ThisHostMulticastAndBroadcast) {
  for (const char* text : {"0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.255.255.255",
                           "255.255.255.255", "ff02::1", "ff05::2"}) {
    EXPECT_TRUE(never_allowed_destination(*parse_ip_address(text))) << text;
  }
  for (const char* text : {"1.0.0.0", "127.0.0.1", "::1", "223.255.255.255", "240.0.0.1",
                           "255.255.255.254", "2001:db8::1", "fe80::1"}) {
    EXPECT_FALSE(never_allowed_destination(*parse_ip_address(text))) << text;
  }
}

}  // namespace
}  // namespace socks4
