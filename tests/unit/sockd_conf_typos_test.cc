// Words in a rule's destination place that are valid DNS syntax but cannot be meant as a host
// name are errors: read as names, they would make a deny that never matches.
#include <gtest/gtest.h>

#include "sockd_conf_test_support.h"

namespace socks4::conf::testing {
namespace {

// A typo must not turn a deny into a rule that never matches.
TEST(SockdConfTypos, TokensThatCannotBeTheDestinationNameAreErrors) {
  expect_rejected({
      RejectedLine{"deny 192.168.1.0/24 eq25\n",
                   "sockd.conf:1:21: expected an operator and its "
                   "port as two words (eq 25), found \"eq25\""},
      RejectedLine{"deny 192.168.1.0/24 ge1024\n", "(ge 1024), found \"ge1024\""},
      RejectedLine{"deny 192.168.1.0/24 NEQ23\n", "(neq 23)"},
      RejectedLine{"deny 10.0.0.0/8 connect\n", "not the keyword \"connect\""},
      RejectedLine{"deny 10.0.0.0/8 mail.25\n", "last label is not all digits"},
      RejectedLine{"deny 10.0.0.0/8 .25\n", "sockd.conf:1:17: expected a destination"},
  });
  // Names that only look close stay names.
  for (const char* line : {"deny 10.0.0.0/8 equinox.example\n", "deny 10.0.0.0/8 ge1024.example\n",
                           "deny 10.0.0.0/8 mailhost\n", "deny 10.0.0.0/8 25.example\n"})
    EXPECT_TRUE(parse_text(line).config) << line << joined_errors(parse_text(line));
}

}  // namespace
}  // namespace socks4::conf::testing
