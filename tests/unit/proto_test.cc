// Wire codec tests: byte literals in, fields out, and back again.
#include "socks4/proto.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "../support/byte_literals.h"

namespace socks4 {
namespace {

using namespace socks4::test::byte_literals;

// CONNECT 198.51.100.2:80 as "alice".
const Bytes kConnect4 = bytes({4, 1, 0, 80, 198, 51, 100, 2}) + text("alice") + bytes({0});
// CONNECT www.example.test:443 (4a marker 0.0.0.1) as "bob".
const Bytes kConnect4a = bytes({4, 1, 0x01, 0xbb, 0, 0, 0, 1}) + text("bob") + bytes({0}) +
                         text("www.example.test") + bytes({0});

Request parsed_ok(const Bytes& input) {
  RequestParse p = parse_request(input);
  EXPECT_EQ(p.status, ParseStatus::kComplete);
  EXPECT_EQ(p.error, ParseError::kNone);
  EXPECT_EQ(p.consumed, input.size());
  return p.request;
}

TEST(RequestParse, Socks4Fields) {
  Request r = parsed_ok(kConnect4);
  EXPECT_EQ(r.command, Command::kConnect);
  EXPECT_EQ(r.port, 80);
  EXPECT_EQ(r.ip, 0xc6336402u);
  EXPECT_EQ(r.user_id, "alice");
  EXPECT_TRUE(r.hostname.empty());
  EXPECT_FALSE(r.is_4a());
}

TEST(RequestParse, Socks4aFields) {
  Request r = parsed_ok(kConnect4a);
  EXPECT_EQ(r.command, Command::kConnect);
  EXPECT_EQ(r.port, 443);
  EXPECT_EQ(r.ip, 1u);
  EXPECT_EQ(r.user_id, "bob");
  EXPECT_EQ(r.hostname, "www.example.test");
  EXPECT_TRUE(r.is_4a());
}

TEST(RequestParse, BindCommandAndHighPort) {
  Request r = parsed_ok(bytes({4, 2, 0xff, 0xfe, 10, 0, 0, 1, 0}));
  EXPECT_EQ(r.command, Command::kBind);
  EXPECT_EQ(r.port, 65534);
  EXPECT_EQ(r.ip, 0x0a000001u);
  EXPECT_EQ(r.user_id, "");
}

TEST(RequestParse, UserIdMayHoldAnyByteButNul) {
  Request r = parsed_ok(bytes({4, 1, 0, 80, 127, 0, 0, 1, 0x01, 0xff, ' ', 0x7f, 0}));
  EXPECT_EQ(r.user_id, std::string("\x01\xff \x7f", 4));
}

// Every way of cutting the request into pieces gives the same result as one piece.
void expect_byte_by_byte_same(const Bytes& input) {
  const Request whole = parse_request(input).request;
  RequestParser parser;
  for (size_t i = 0; i < input.size(); ++i) {
    size_t used = 99;
    ParseStatus s = parser.feed(std::span(&input[i], 1), &used);
    EXPECT_EQ(used, 1u) << "byte " << i;
    EXPECT_EQ(s, i + 1 == input.size() ? ParseStatus::kComplete : ParseStatus::kNeedMore)
        << "byte " << i;
  }
  EXPECT_EQ(parser.request(), whole);
  EXPECT_EQ(parser.bytes_consumed(), input.size());
}

void expect_every_split_same(const Bytes& input) {
  const Request whole = parse_request(input).request;
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    RequestParser parser;
    size_t first = 0, second = 0;
    ParseStatus s1 = parser.feed(std::span(input).first(cut), &first);
    EXPECT_EQ(first, cut);
    EXPECT_EQ(s1, cut == input.size() ? ParseStatus::kComplete : ParseStatus::kNeedMore);
    ParseStatus s2 = parser.feed(std::span(input).subspan(cut), &second);
    EXPECT_EQ(second, input.size() - cut) << "cut " << cut;
    EXPECT_EQ(s2, ParseStatus::kComplete) << "cut " << cut;
    EXPECT_EQ(parser.request(), whole) << "cut " << cut;
  }
}

TEST(RequestParser, Socks4ByteByByte) {
  expect_byte_by_byte_same(kConnect4);
}
TEST(RequestParser, Socks4aByteByByte) {
  expect_byte_by_byte_same(kConnect4a);
}
TEST(RequestParser, Socks4EveryTwoPieceSplit) {
  expect_every_split_same(kConnect4);
}
TEST(RequestParser, Socks4aEveryTwoPieceSplit) {
  expect_every_split_same(kConnect4a);
}

TEST(RequestParser, EmptyFeedNeedsMore) {
  RequestParser parser;
  size_t used = 99;
  EXPECT_EQ(parser.feed({}, &used), ParseStatus::kNeedMore);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(parser.status(), ParseStatus::kNeedMore);
}

TEST(RequestParser, PipelinedBytesAreNotConsumed) {
  for (const Bytes& request : {kConnect4, kConnect4a}) {
    const Bytes input = request + text("GET / HTTP/1.0\r\n\r\n");
    RequestParse p = parse_request(input);
    EXPECT_EQ(p.status, ParseStatus::kComplete);
    EXPECT_EQ(p.consumed, request.size());
  }
}

TEST(RequestParser, NothingConsumedAfterCompletion) {
  RequestParser parser;
  ASSERT_EQ(parser.feed(kConnect4), ParseStatus::kComplete);
  size_t used = 99;
  EXPECT_EQ(parser.feed(kConnect4, &used), ParseStatus::kComplete);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(parser.bytes_consumed(), kConnect4.size());
  EXPECT_EQ(parser.request().user_id, "alice");
}

void expect_invalid(const Bytes& input, ParseError error, size_t at_byte) {
  RequestParse p = parse_request(input);
  EXPECT_EQ(p.status, ParseStatus::kInvalid);
  EXPECT_EQ(p.error, error);
  EXPECT_EQ(p.consumed, at_byte);
}

TEST(RequestParserInvalid, BadVersionAtFirstByte) {
  expect_invalid(bytes({5, 1, 0, 80, 127, 0, 0, 1, 0}), ParseError::kBadVersion, 1);
  expect_invalid(bytes({'G', 'E', 'T', ' '}), ParseError::kBadVersion, 1);
  expect_invalid(bytes({0}), ParseError::kBadVersion, 1);
  EXPECT_FALSE(reply_makes_sense(ParseError::kBadVersion));
}

TEST(RequestParserInvalid, BadCommandAtSecondByte) {
  for (int cd : {0, 3, 90, 255}) {
    SCOPED_TRACE(cd);
    expect_invalid(bytes({4, cd, 0, 80, 127, 0, 0, 1, 0}), ParseError::kBadCommand, 2);
  }
  EXPECT_TRUE(reply_makes_sense(ParseError::kBadCommand));
}

TEST(RequestParserInvalid, StaysInvalidAndConsumesNothingMore) {
  RequestParser parser;
  ASSERT_EQ(parser.feed(bytes({4, 7})), ParseStatus::kInvalid);
  size_t used = 99;
  EXPECT_EQ(parser.feed(kConnect4, &used), ParseStatus::kInvalid);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(parser.error(), ParseError::kBadCommand);
  EXPECT_EQ(parser.bytes_consumed(), 2u);
}

TEST(RequestParserInvalid, MissingNulsNeedMore) {
  // No NUL after USERID.
  EXPECT_EQ(parse_request(bytes({4, 1, 0, 80, 127, 0, 0, 1}) + text("alice")).status,
            ParseStatus::kNeedMore);
  // 4a: USERID ended, HOSTNAME not.
  EXPECT_EQ(parse_request(bytes({4, 1, 0, 80, 0, 0, 0, 1, 0}) + text("host")).status,
            ParseStatus::kNeedMore);
  // 4a: USERID's NUL present but nothing after it.
  EXPECT_EQ(parse_request(bytes({4, 1, 0, 80, 0, 0, 0, 1, 0})).status, ParseStatus::kNeedMore);
  // Short header.
  EXPECT_EQ(parse_request(bytes({4, 1, 0, 80, 127})).status, ParseStatus::kNeedMore);
}

TEST(RequestParserInvalid, ZeroDestination) {
  expect_invalid(bytes({4, 1, 0, 80, 0, 0, 0, 0, 0}), ParseError::kZeroDestination, 8);
  EXPECT_TRUE(reply_makes_sense(ParseError::kZeroDestination));
}

TEST(RequestParse, FourAMarkerVersusOrdinaryAddress) {
  for (int x : {1, 7, 255}) {
    SCOPED_TRACE(x);
    Request r = parsed_ok(bytes({4, 1, 0, 80, 0, 0, 0, x, 0}) + text("h") + bytes({0}));
    EXPECT_EQ(r.hostname, "h");
    EXPECT_EQ(r.ip, static_cast<uint32_t>(x));
    EXPECT_TRUE(is_4a_marker(r.ip));
  }
  // 0.0.1.0 and 1.0.0.0 are ordinary addresses: the request ends at the USERID's NUL.
  for (const Bytes& ip : {bytes({0, 0, 1, 0}), bytes({1, 0, 0, 0}), bytes({0, 0, 1, 1})}) {
    const Bytes request = bytes({4, 1, 0, 80}) + ip + bytes({0});
    RequestParse p = parse_request(request + text("h") + bytes({0}));
    EXPECT_EQ(p.status, ParseStatus::kComplete);
    EXPECT_EQ(p.consumed, request.size());
    EXPECT_FALSE(p.request.is_4a());
  }
  EXPECT_FALSE(is_4a_marker(0));
  EXPECT_FALSE(is_4a_marker(0x100));
}

TEST(RequestParserInvalid, UserIdLimit) {
  const Bytes header = bytes({4, 1, 0, 80, 127, 0, 0, 1});
  EXPECT_EQ(parsed_ok(header + text(std::string(255, 'u')) + bytes({0})).user_id.size(), 255u);
  expect_invalid(header + text(std::string(256, 'u')) + bytes({0}), ParseError::kUserIdTooLong,
                 8 + 256);
  // Reported as soon as the 256th byte arrives, without waiting for a NUL.
  expect_invalid(header + text(std::string(300, 'u')), ParseError::kUserIdTooLong, 8 + 256);
}

TEST(RequestParserInvalid, HostnameLimit) {
  const Bytes head = bytes({4, 1, 0, 80, 0, 0, 0, 1, 0});
  EXPECT_EQ(parsed_ok(head + text(std::string(255, 'h')) + bytes({0})).hostname.size(), 255u);
  expect_invalid(head + text(std::string(256, 'h')) + bytes({0}), ParseError::kHostnameTooLong,
                 9 + 256);
  expect_invalid(head + text(std::string(400, 'h')), ParseError::kHostnameTooLong, 9 + 256);
}

TEST(RequestParserInvalid, EmptyHostname) {
  expect_invalid(bytes({4, 1, 0, 80, 0, 0, 0, 1, 'u', 0, 0}), ParseError::kHostnameEmpty, 11);
}

TEST(RequestParserInvalid, NonPrintableHostnameByte) {
  for (int bad : {0x01, 0x20, 0x7f, 0x80, 0xff, 0x0a}) {
    SCOPED_TRACE(bad);
    expect_invalid(bytes({4, 1, 0, 80, 0, 0, 0, 1, 0, 'a', bad, 'b', 0}),
                   ParseError::kHostnameNotPrintable, 11);
  }
  // The printable range's edges are accepted.
  EXPECT_EQ(parsed_ok(bytes({4, 1, 0, 80, 0, 0, 0, 1, 0, 0x21, 0x7e, 0})).hostname, "!~");
}

TEST(RequestParserInvalid, EveryErrorHasAReason) {
  for (ParseError e :
       {ParseError::kBadVersion, ParseError::kBadCommand, ParseError::kZeroDestination,
        ParseError::kUserIdTooLong, ParseError::kHostnameTooLong, ParseError::kHostnameEmpty,
        ParseError::kHostnameNotPrintable}) {
    EXPECT_NE(std::string(to_string(e)), to_string(ParseError::kNone));
    EXPECT_NE(std::string(to_string(e)), "unknown error");
  }
}

TEST(EncodeRequest, Socks4Bytes) {
  Request r{Command::kConnect, 80, 0xc6336402u, "alice", ""};
  EXPECT_EQ(encode_request(r), kConnect4);
}

TEST(EncodeRequest, Socks4aGetsMarker) {
  Request r{Command::kConnect, 443, 0, "bob", "www.example.test"};
  EXPECT_EQ(encode_request(r), kConnect4a);
  r.ip = 0x0a000001;  // an ordinary address is replaced by the marker
  EXPECT_EQ(encode_request(r), kConnect4a);
  r.ip = 9;  // an existing marker is kept
  Bytes out = encode_request(r);
  ASSERT_EQ(out.size(), kConnect4a.size());
  EXPECT_EQ(out[7], 9);
}

TEST(EncodeRequest, RoundTrips) {
  const Request requests[] = {
      {Command::kConnect, 1, 0x7f000001, "", ""},
      {Command::kBind, 65535, 0xffffffff, std::string(255, 'x'), ""},
      {Command::kConnect, 8080, 5, "user name", std::string(255, 'n')},
      {Command::kBind, 21, 1, std::string("\x01\xfe", 2), "ftp.wan.test"},
  };
  for (const Request& r : requests) {
    Bytes wire = encode_request(r);
    ASSERT_FALSE(wire.empty());
    RequestParse p = parse_request(wire);
    EXPECT_EQ(p.status, ParseStatus::kComplete);
    EXPECT_EQ(p.consumed, wire.size());
    EXPECT_EQ(p.request, r);
  }
}

TEST(EncodeRequest, RefusesOverLimitOrNul) {
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 1, std::string(256, 'u'), "h"}).empty());
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 1, "u", std::string(256, 'h')}).empty());
  EXPECT_TRUE(
      encode_request({Command::kConnect, 80, 0x7f000001, std::string("a\0b", 3), ""}).empty());
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 1, "u", std::string("a\0b", 3)}).empty());
  EXPECT_EQ(encode_request({Command::kConnect, 80, 0x7f000001, std::string(255, 'u'), ""}).size(),
            8u + 256u);
  EXPECT_EQ(encode_request({Command::kConnect, 80, 1, "", std::string(255, 'h')}).size(),
            kMaxRequestSize - kMaxUserIdLength);
}

// The encoder never produces what the parser would refuse or wait on forever.
TEST(EncodeRequest, RefusesWhatTheParserRefuses) {
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 1, "u", "bad host"}).empty());
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 1, "u", "bad\x01"}).empty());
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 0, "u", ""}).empty());
  EXPECT_TRUE(encode_request({Command::kConnect, 80, 7, "u", ""}).empty());
  EXPECT_FALSE(encode_request({Command::kConnect, 80, 256, "u", ""}).empty());
}

TEST(Reply, EncodeBytes) {
  EXPECT_EQ(encode_reply({ReplyCode::kGranted, 80, 0xc6336402u}),
            (std::array<uint8_t, 8>{0, 90, 0, 80, 198, 51, 100, 2}));
  EXPECT_EQ(encode_reply({ReplyCode::kRejected, 0x1234, 0}),
            (std::array<uint8_t, 8>{0, 91, 0x12, 0x34, 0, 0, 0, 0}));
}

TEST(Reply, RoundTripsEveryCode) {
  for (ReplyCode code : {ReplyCode::kGranted, ReplyCode::kRejected, ReplyCode::kNoIdentd,
                         ReplyCode::kIdentMismatch}) {
    Reply reply{code, 65535, 0x01020304};
    auto wire = encode_reply(reply);
    ReplyParse p = parse_reply(wire);
    EXPECT_EQ(p.status, ParseStatus::kComplete);
    EXPECT_EQ(p.reply, reply);
  }
}

TEST(Reply, ParseNeedsMoreUntilEightBytes) {
  const Bytes wire = bytes({0, 90, 0, 80, 10, 0, 0, 1});
  for (size_t n = 0; n < wire.size(); ++n)
    EXPECT_EQ(parse_reply(std::span(wire).first(n)).status, ParseStatus::kNeedMore) << n;
  ReplyParse p = parse_reply(wire + bytes({1, 2, 3}));  // extra bytes belong to the relay
  EXPECT_EQ(p.status, ParseStatus::kComplete);
  EXPECT_EQ(p.reply, (Reply{ReplyCode::kGranted, 80, 0x0a000001}));
}

TEST(Reply, ParseInvalid) {
  EXPECT_EQ(parse_reply(bytes({4})).status, ParseStatus::kInvalid);  // VN must be 0
  EXPECT_EQ(parse_reply(bytes({4, 90, 0, 80, 10, 0, 0, 1})).status, ParseStatus::kInvalid);
  for (int cd : {0, 1, 89, 94, 255}) {
    EXPECT_EQ(parse_reply(bytes({0, cd})).status, ParseStatus::kInvalid) << cd;
    EXPECT_EQ(parse_reply(bytes({0, cd, 0, 80, 10, 0, 0, 1})).status, ParseStatus::kInvalid) << cd;
  }
}

}  // namespace
}  // namespace socks4
