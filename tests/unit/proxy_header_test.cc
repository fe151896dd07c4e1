// PROXY protocol header tests: byte literals in, the reported addresses (or the verdict) out.
#include "../../server/proxy_header.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "../support/byte_literals.h"

namespace sockd::proxy_header {
namespace {

using namespace socks4::test::byte_literals;

const Bytes kSignature =
    bytes({0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a});

// v2 PROXY, TCP over IPv4: 10.1.2.3:40000 -> 192.0.2.10:1080, then a SOCKS request's first byte.
const Bytes kV2Tcp4 = kSignature + bytes({0x21, 0x11, 0x00, 12}) +
                      bytes({10, 1, 2, 3, 192, 0, 2, 10, 0x9c, 0x40, 0x04, 0x38});

Header done(const Bytes& input, size_t consumed) {
  Result r = parse(input);
  EXPECT_EQ(r.status, Status::kDone) << r.error;
  EXPECT_EQ(r.consumed, consumed);
  return r.header;
}

void expect_malformed(const Bytes& input) {
  Result r = parse(input);
  EXPECT_EQ(r.status, Status::kMalformed);
  EXPECT_FALSE(r.error.empty());
}

// Every proper prefix of a valid header asks for more.
void expect_prefixes_need_more(const Bytes& header) {
  for (size_t n = 0; n < header.size(); ++n) {
    Result r = parse(std::span<const uint8_t>(header.data(), n));
    EXPECT_EQ(r.status, Status::kNeedMore) << "prefix of " << n << " bytes: " << r.error;
  }
}

TEST(ProxyHeaderV1, Tcp4) {
  const Bytes line = text("PROXY TCP4 10.1.2.3 192.0.2.10 40000 1080\r\n");
  Header h = done(line + bytes({4, 1}), line.size());
  EXPECT_EQ(h.version, 1);
  EXPECT_FALSE(h.local);
  EXPECT_EQ(h.source.to_string(), "10.1.2.3:40000");
  EXPECT_EQ(h.destination.to_string(), "192.0.2.10:1080");
  expect_prefixes_need_more(line);
}

TEST(ProxyHeaderV1, Tcp6) {
  const Bytes line = text("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n");
  Header h = done(line, line.size());
  EXPECT_EQ(h.source.to_string(), "[2001:db8::1]:65535");
  EXPECT_EQ(h.destination.to_string(), "[2001:db8::2]:0");
}

TEST(ProxyHeaderV1, Unknown) {
  Header h = done(text("PROXY UNKNOWN\r\n"), 15);
  EXPECT_TRUE(h.local);
  // The receiver ignores whatever UNKNOWN carries up to the CRLF.
  h = done(text("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nX"), 35);
  EXPECT_TRUE(h.local);
}

TEST(ProxyHeaderV1, LongestLineIs107Bytes) {
  // The spec's worst case: UNKNOWN with the longest addresses and ports.
  const std::string v6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const Bytes longest = text("PROXY UNKNOWN " + v6 + " " + v6 + " 65535 65535\r\n");
  ASSERT_EQ(longest.size(), kMaxV1Size);
  EXPECT_TRUE(done(longest, kMaxV1Size).local);
  const Bytes tcp6 = text("PROXY TCP6 " + v6 + " " + v6 + " 65535 65535\r\n");
  EXPECT_EQ(done(tcp6, tcp6.size()).source.to_string(),
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
  // 107 bytes without a CRLF can no longer become a header.
  const Bytes unknown = text("PROXY UNKNOWN " + std::string(kMaxV1Size - 14, 'x'));
  ASSERT_EQ(unknown.size(), kMaxV1Size);
  expect_malformed(unknown);
  EXPECT_EQ(parse(Bytes(unknown.begin(), unknown.end() - 1)).status, Status::kNeedMore);
  expect_malformed(text("PROXY UNKNOWN " + std::string(kMaxV1Size - 16, 'x') + "x\r\n"));
}

TEST(ProxyHeaderV1, NeedsCrLf) {
  expect_malformed(text("PROXY TCP4 10.1.2.3 192.0.2.10 40000 1080\n"));
  expect_malformed(text("PROXY TCP4 10.1.2.3 192.0.2.10 40000 1080\rX"));
  // A CR anywhere but before the final LF, UNKNOWN included, and whether or not more comes:
  // a reader never waits for more bytes after a prefix was malformed (found by the fuzzer).
  expect_malformed(text("PROXY UNKNOWN a\rb"));
  expect_malformed(text("PROXY UNKNOWN a\rb\r"));
  expect_malformed(text("PROXY UNKNOWN a\rb\r\n"));
  expect_malformed(text("PROXY P\r@\r"));
  expect_malformed(text("PROXY P\r@\r\n 0"));
}

TEST(ProxyHeaderV1, MalformedFields) {
  for (const char* line : {
           "PROXY TCP4 10.1.2.3 192.0.2.10 40000\r\n",          // a port missing
           "PROXY TCP4 10.1.2.3 192.0.2.10 40000 1080 9\r\n",   // a field too many
           "PROXY TCP4  10.1.2.3 192.0.2.10 40000 1080\r\n",    // two spaces
           "PROXY TCP4 10.1.2.3 192.0.2.10 65536 1080\r\n",     // port out of range
           "PROXY TCP4 10.1.2.3 192.0.2.10 -1 1080\r\n",        // not a number
           "PROXY TCP4 10.1.2.3 192.0.2.10 040000 1080\r\n",    // six digits
           "PROXY TCP4 2001:db8::1 192.0.2.10 40000 1080\r\n",  // IPv6 under TCP4
           "PROXY TCP6 10.1.2.3 2001:db8::2 40000 1080\r\n",    // IPv4 under TCP6
           "PROXY TCP4 10.1.2 192.0.2.10 40000 1080\r\n",       // not an address
           "PROXY UDP4 10.1.2.3 192.0.2.10 40000 1080\r\n",     // not TCP
           "PROXY tcp4 10.1.2.3 192.0.2.10 40000 1080\r\n",     // case matters
           "PROXY TCP4 10.1.2.3 192.0.2.10 40000 1080 \r\n",    // trailing space
           "PROXY\r\n",
       }) {
    SCOPED_TRACE(line);
    expect_malformed(text(line));
  }
}

TEST(ProxyHeaderV1, NotAHeaderIsMalformedAtOnce) {
  // A SOCKS request, an HTTP request, a lower-case "proxy": no need to wait for more.
  expect_malformed(bytes({4, 1, 0, 80}));
  expect_malformed(text("GET / HTTP/1.0\r\n"));
  expect_malformed(text("proxy "));
  expect_malformed(text("PROXZ"));
}

TEST(ProxyHeaderV2, ProxyTcp4) {
  Header h = done(kV2Tcp4 + bytes({4, 1}), kV2Tcp4.size());
  EXPECT_EQ(h.version, 2);
  EXPECT_FALSE(h.local);
  EXPECT_EQ(h.source.to_string(), "10.1.2.3:40000");
  EXPECT_EQ(h.destination.to_string(), "192.0.2.10:1080");
  expect_prefixes_need_more(kV2Tcp4);
}

TEST(ProxyHeaderV2, ProxyTcp6) {
  const Bytes header = kSignature + bytes({0x21, 0x21, 0x00, 36}) +
                       bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) +
                       bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}) +
                       bytes({0xff, 0xff, 0x04, 0x38});
  Header h = done(header, 52);
  EXPECT_EQ(h.source.to_string(), "[2001:db8::1]:65535");
  EXPECT_EQ(h.destination.to_string(), "[2001:db8::2]:1080");
}

TEST(ProxyHeaderV2, LocalIgnoresAddresses) {
  // LOCAL (HAProxy's health checks): no address block, or one that is not looked at.
  Header h = done(kSignature + bytes({0x20, 0x00, 0x00, 0x00}), 16);
  EXPECT_TRUE(h.local);
  h = done(kSignature + bytes({0x20, 0x11, 0x00, 12}) + Bytes(12, 0xee), 28);
  EXPECT_TRUE(h.local);
}

TEST(ProxyHeaderV2, ProxyWithUnspecifiedFamilyIsLocal) {
  Header h = done(kSignature + bytes({0x21, 0x00, 0x00, 0x00}), 16);
  EXPECT_TRUE(h.local);
}

TEST(ProxyHeaderV2, TlvsAreSkipped) {
  // PP2_TYPE_AUTHORITY "lb" and PP2_TYPE_NOOP with 3 bytes after the IPv4 block.
  const Bytes tlvs = bytes({0x02, 0x00, 0x02, 'l', 'b', 0x04, 0x00, 0x03, 0, 0, 0});
  Bytes header = kSignature + bytes({0x21, 0x11, 0x00, static_cast<int>(12 + tlvs.size())}) +
                 bytes({10, 1, 2, 3, 192, 0, 2, 10, 0x9c, 0x40, 0x04, 0x38}) + tlvs;
  Header h = done(header + bytes({4}), header.size());
  EXPECT_EQ(h.source.to_string(), "10.1.2.3:40000");
  // A TLV whose length runs past the header's.
  Bytes overrun = kSignature + bytes({0x21, 0x11, 0x00, 12 + 3}) +
                  bytes({10, 1, 2, 3, 192, 0, 2, 10, 0x9c, 0x40, 0x04, 0x38}) +
                  bytes({0x04, 0x00, 0x01});
  expect_malformed(overrun);
  // A TLV cut short inside its own type and length.
  expect_malformed(kSignature + bytes({0x21, 0x11, 0x00, 12 + 2}) +
                   bytes({10, 1, 2, 3, 192, 0, 2, 10, 0x9c, 0x40, 0x04, 0x38, 0x04, 0x00}));
}

TEST(ProxyHeaderV2, LengthBounds) {
  // Shorter than the family's address block.
  expect_malformed(kSignature + bytes({0x21, 0x11, 0x00, 11}) + Bytes(11, 0));
  expect_malformed(kSignature + bytes({0x21, 0x21, 0x00, 35}) + Bytes(35, 0));
  // Longer than sockd accepts: refused on the fixed part, without waiting for the rest.
  const int too_long = static_cast<int>(kMaxV2Payload + 1);
  expect_malformed(kSignature + bytes({0x21, 0x11, too_long >> 8, too_long & 0xff}));
  // The longest accepted: addresses then one NOOP TLV filling the rest.
  const int longest = static_cast<int>(kMaxV2Payload);
  const int tlv = longest - 12 - 3;
  Bytes header = kSignature + bytes({0x21, 0x11, longest >> 8, longest & 0xff}) +
                 bytes({10, 1, 2, 3, 192, 0, 2, 10, 0x9c, 0x40, 0x04, 0x38}) +
                 bytes({0x04, tlv >> 8, tlv & 0xff}) + Bytes(tlv, 0);
  ASSERT_EQ(header.size(), kMaxSize);
  done(header, kMaxSize);
  EXPECT_EQ(parse(Bytes(header.begin(), header.end() - 1)).status, Status::kNeedMore);
}

TEST(ProxyHeaderV2, MalformedFixedPart) {
  expect_malformed(kSignature + bytes({0x11, 0x11, 0x00, 12}));   // version 1 in a v2 header
  expect_malformed(kSignature + bytes({0x31, 0x11, 0x00, 12}));   // version 3
  expect_malformed(kSignature + bytes({0x22, 0x11, 0x00, 12}));   // command 2
  expect_malformed(kSignature + bytes({0x21, 0x12, 0x00, 12}));   // UDP over IPv4
  expect_malformed(kSignature + bytes({0x21, 0x10, 0x00, 12}));   // IPv4, transport unspecified
  expect_malformed(kSignature + bytes({0x21, 0x31, 0x00, 216}));  // AF_UNIX: no address to rule on
  expect_malformed(kSignature + bytes({0x21, 0x41, 0x00, 12}));   // no such family
  // One wrong signature byte, anywhere.
  for (size_t i = 0; i < kSignature.size(); ++i) {
    Bytes broken = kV2Tcp4;
    broken[i] ^= 0x20;
    SCOPED_TRACE(i);
    expect_malformed(broken);
  }
}

}  // namespace
}  // namespace sockd::proxy_header
