// The RFC 1413 query and the parser of identd answers, from byte literals.
#include "../../server/conf/identd_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace socks4::identd {
namespace {

// Queries in these tests are about client port 50312 and sockd port 1080.
Answer parse(std::string_view received) {
  return parse_answer(received, 50312, 1080);
}

TEST(IdentdQuery, NamesClientPortThenServerPort) {
  EXPECT_EQ(format_query(50312, 1080), "50312 , 1080\r\n");
}

struct UserCase {
  const char* name;
  std::string bytes;
  const char* user;
  const char* os;
  const char* charset;
};

class IdentdUserAnswer : public ::testing::TestWithParam<UserCase> {};

TEST_P(IdentdUserAnswer, GivesUserOsAndCharset) {
  Answer answer = parse(GetParam().bytes);
  ASSERT_EQ(answer.kind, AnswerKind::kUser) << answer.detail;
  EXPECT_EQ(answer.user, GetParam().user);
  EXPECT_EQ(answer.os, GetParam().os);
  EXPECT_EQ(answer.charset, GetParam().charset);
}

INSTANTIATE_TEST_SUITE_P(
    Answers, IdentdUserAnswer,
    ::testing::Values(
        UserCase{"UserIdWithOs", "50312 , 1080 : USERID : UNIX : alice\r\n", "alice", "UNIX", ""},
        UserCase{"UserIdWithOsAndCharset", "50312,1080:USERID:UNIX , US-ASCII:bob\r\n", "bob",
                 "UNIX", "US-ASCII"},
        UserCase{"UserIdMayHoldColonsAndKeepsInnerBlanks",
                 "50312 , 1080 : USERID : OTHER :  a:b c \r\n", "a:b c", "OTHER", ""},
        UserCase{"BareLfIsTolerated", "50312 , 1080 : USERID : UNIX : carol\n", "carol", "UNIX",
                 ""},
        UserCase{"BytesAfterTheLineAreIgnored", "50312 , 1080 : USERID : UNIX : dave\r\nmore junk",
                 "dave", "UNIX", ""},
        UserCase{"TypeIsCaseInsensitive", "50312 , 1080 : userid : UNIX : erin\r\n", "erin", "UNIX",
                 ""}),
    [](const ::testing::TestParamInfo<UserCase>& info) { return info.param.name; });

TEST(IdentdAnswer, ErrorAnswers) {
  for (const char* type : {"NO-USER", "HIDDEN-USER", "INVALID-PORT", "UNKNOWN-ERROR", "X-OWN"}) {
    Answer answer = parse(std::string("50312 , 1080 : ERROR : ") + type + "\r\n");
    ASSERT_EQ(answer.kind, AnswerKind::kError) << type << ": " << answer.detail;
    EXPECT_EQ(answer.detail, type);
    EXPECT_EQ(answer.user, "");
  }
}

struct InvalidCase {
  const char* name;
  std::string bytes;
  const char* detail_part;
};

class IdentdInvalidAnswer : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(IdentdInvalidAnswer, IsRejectedWithAReason) {
  Answer answer = parse(GetParam().bytes);
  EXPECT_EQ(answer.kind, AnswerKind::kInvalid) << answer.user;
  EXPECT_NE(answer.detail.find(GetParam().detail_part), std::string::npos) << answer.detail;
  EXPECT_EQ(answer.user, "");
}

INSTANTIATE_TEST_SUITE_P(
    Garbage, IdentdInvalidAnswer,
    ::testing::Values(
        InvalidCase{"Empty", "", "no answer"},
        InvalidCase{"MissingCrLf", "50312 , 1080 : USERID : UNIX : alice", "not ended by CR LF"},
        InvalidCase{"TooLongWithoutLf", std::string(1024, 'a'), "longer than 1024"},
        InvalidCase{"TooLongLine",
                    "50312 , 1080 : USERID : UNIX : " + std::string(1100, 'u') + "\r\n",
                    "longer than 1024"},
        InvalidCase{"UserIdOver512",
                    "50312 , 1080 : USERID : UNIX : " + std::string(513, 'u') + "\r\n",
                    "longer than 512"},
        InvalidCase{"PortMismatch", "50313 , 1080 : USERID : UNIX : alice\r\n",
                    "instead of 50312,1080"},
        InvalidCase{"PortsSwapped", "1080 , 50312 : USERID : UNIX : alice\r\n", "instead of"},
        InvalidCase{"NoPorts", "USERID : UNIX : alice\r\n", "no port pair"},
        InvalidCase{"PortNotNumeric", "50312 , x1080 : USERID : UNIX : alice\r\n", "no port pair"},
        InvalidCase{"PortZero", "0 , 1080 : USERID : UNIX : alice\r\n", "no port pair"},
        InvalidCase{"PortTooBig", "50312 , 71080 : USERID : UNIX : alice\r\n", "no port pair"},
        InvalidCase{"HttpGarbage", "HTTP/1.0 400 Bad Request\r\n", "not an identd answer"},
        InvalidCase{"ColonGarbage", "Server: x\r\n", "no port pair"},
        InvalidCase{"NoColon", "hello\r\n", "not an identd answer"},
        InvalidCase{"UnknownType", "50312 , 1080 : USER : UNIX : alice\r\n", "neither"},
        InvalidCase{"UserIdWithoutUser", "50312 , 1080 : USERID : UNIX\r\n", "without a user id"},
        InvalidCase{"EmptyUser", "50312 , 1080 : USERID : UNIX :   \r\n", "empty user id"},
        InvalidCase{"EmptyOs", "50312 , 1080 : USERID :  : alice\r\n", "operating system"},
        InvalidCase{"ErrorWithoutType", "50312 , 1080 : ERROR\r\n", "without an error type"},
        InvalidCase{"NulInside", std::string("50312 , 1080 : USERID : UNIX : al\0ice\r\n", 39),
                    "NUL or CR"},
        InvalidCase{"CrInside", "50312 , 1080 : USERID : UNIX : al\rice\r\n", "NUL or CR"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

TEST(IdentdAnswerComplete, WaitsForLfOrTheLimit) {
  EXPECT_FALSE(answer_complete(""));
  EXPECT_FALSE(answer_complete("50312 , 1080 : USERID : UNIX : alice\r"));
  EXPECT_TRUE(answer_complete("50312 , 1080 : USERID : UNIX : alice\r\n"));
  EXPECT_FALSE(answer_complete(std::string(kMaxAnswerSize - 1, 'x')));
  EXPECT_TRUE(answer_complete(std::string(kMaxAnswerSize, 'x')));
}

}  // namespace
}  // namespace socks4::identd
