#include "proxy_header.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

namespace sockd::proxy_header {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::array<uint8_t, 12> kV2Signature{0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                               0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
// Version 2 in the high nibble of byte 12; the command in the low one.
constexpr uint8_t kV2Version = 0x20;
constexpr uint8_t kCommandLocal = 0x0;
constexpr uint8_t kCommandProxy = 0x1;
// Byte 13: the address family in the high nibble, the transport in the low one.
constexpr uint8_t kFamilyUnspec = 0x0;
constexpr uint8_t kFamilyInet = 0x1;
constexpr uint8_t kFamilyInet6 = 0x2;
constexpr uint8_t kTransportStream = 0x1;
constexpr size_t kInetBlock = 12;   // two IPv4 addresses, two ports
constexpr size_t kInet6Block = 36;  // two IPv6 addresses, two ports
constexpr size_t kTlvHeader = 3;    // type, 16-bit length

Result malformed(std::string why) {
  Result result;
  result.status = Status::kMalformed;
  result.error = std::move(why);
  return result;
}

// Whether `input` is the start of `expected` (or all of it, or more).
template <typename Sequence>
bool starts_like(std::span<const uint8_t> input, const Sequence& expected) {
  const size_t n = std::min(input.size(), expected.size());
  return std::equal(input.begin(), input.begin() + n, expected.begin(),
                    [](uint8_t a, auto b) { return a == static_cast<uint8_t>(b); });
}

uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// A decimal port of 1 to 5 digits, at most 65535.
bool parse_port(std::string_view text, uint16_t& out) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return false;
  out = static_cast<uint16_t>(value);
  return true;
}

bool parse_address(int family, std::string_view text, uint16_t port, Endpoint& out) {
  char buffer[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buffer) return false;
  memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  out = Endpoint{};
  out.family = static_cast<sa_family_t>(family);
  out.port = port;
  return inet_pton(family, buffer, out.address.data()) == 1;
}

// "PROXY TCP4 SRC DST SPORT DPORT\r\n", "PROXY TCP6 ...", "PROXY UNKNOWN[ anything]\r\n".
Result parse_v1(std::span<const uint8_t> input) {
  const size_t scan = std::min(input.size(), kMaxV1Size);
  const auto* begin = reinterpret_cast<const char*>(input.data());
  const std::string_view head(begin, scan);
  const size_t newline = head.find('\n');
  // A CR is only allowed right before the LF that ends the line: seen anywhere else, the
  // input is malformed however it goes on.
  const size_t cr = head.find('\r');
  if (cr != std::string_view::npos && cr + 1 < head.size() && head[cr + 1] != '\n')
    return malformed("v1: CR not followed by LF");
  if (newline == std::string_view::npos) {
    if (scan == kMaxV1Size) return malformed("v1: no CRLF within 107 bytes");
    return Result{};
  }
  if (newline == 0 || head[newline - 1] != '\r') return malformed("v1: line not ended by CRLF");
  const std::string_view line = head.substr(0, newline - 1);
  Result result;
  result.status = Status::kDone;
  result.consumed = newline + 1;
  result.header.version = 1;
  std::string_view rest = line.substr(kV1Prefix.size());
  if (rest == "UNKNOWN" || rest.starts_with("UNKNOWN ")) {
    result.header.local = true;  // whatever follows is ignored, as the spec says
    return result;
  }
  int family = 0;
  if (rest.starts_with("TCP4 ")) family = AF_INET;
  if (rest.starts_with("TCP6 ")) family = AF_INET6;
  if (family == 0) return malformed("v1: protocol is not TCP4, TCP6 or UNKNOWN");
  rest.remove_prefix(5);
  std::array<std::string_view, 4> fields;
  for (size_t i = 0; i < fields.size(); ++i) {
    const size_t space = rest.find(' ');
    const bool last = i + 1 == fields.size();
    if (last != (space == std::string_view::npos))
      return malformed("v1: expected 4 fields after the protocol, separated by one space");
    fields[i] = rest.substr(0, space);
    if (!last) rest.remove_prefix(space + 1);
  }
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  if (!parse_port(fields[2], source_port) || !parse_port(fields[3], destination_port))
    return malformed("v1: a port is not a number from 0 to 65535");
  if (!parse_address(family, fields[0], source_port, result.header.source) ||
      !parse_address(family, fields[1], destination_port, result.header.destination))
    return malformed(family == AF_INET ? "v1: an address is not IPv4 under TCP4"
                                       : "v1: an address is not IPv6 under TCP6");
  result.header.source = Endpoint::from_ip(result.header.source.rule_address(), source_port);
  result.header.destination =
      Endpoint::from_ip(result.header.destination.rule_address(), destination_port);
  return result;
}

// TLVs (type, 16-bit length, value) fill what follows the addresses: each must fit.
bool tlvs_fit(std::span<const uint8_t> tlvs) {
  while (!tlvs.empty()) {
    if (tlvs.size() < kTlvHeader) return false;
    const size_t length = load_be16(&tlvs[1]);
    if (tlvs.size() - kTlvHeader < length) return false;
    tlvs = tlvs.subspan(kTlvHeader + length);
  }
  return true;
}

Result parse_v2(std::span<const uint8_t> input) {
  if (input.size() < kV2FixedSize) {
    // Refuse a wrong version or command as soon as its byte is there.
    if (input.size() > 12 && (input[12] & 0xf0) != kV2Version)
      return malformed("v2: version is not 2");
    return Result{};
  }
  const uint8_t version = input[12] & 0xf0;
  const uint8_t command = input[12] & 0x0f;
  const uint8_t family = input[13] >> 4;
  const uint8_t transport = input[13] & 0x0f;
  const size_t length = load_be16(&input[14]);
  if (version != kV2Version) return malformed("v2: version is not 2");
  if (command != kCommandLocal && command != kCommandProxy)
    return malformed("v2: command is neither LOCAL nor PROXY");
  if (length > kMaxV2Payload)
    return malformed("v2: header longer than " + std::to_string(kMaxSize) + " bytes");
  const bool local = command == kCommandLocal || family == kFamilyUnspec;
  // What the fixed part tells is checked before waiting for the rest.
  size_t block = 0;
  if (!local) {
    if (family != kFamilyInet && family != kFamilyInet6)
      return malformed("v2: address family is not IPv4 or IPv6");
    if (transport != kTransportStream) return malformed("v2: transport is not TCP (STREAM)");
    block = family == kFamilyInet ? kInetBlock : kInet6Block;
    if (length < block) return malformed("v2: length shorter than its addresses");
  }
  if (input.size() < kV2FixedSize + length) return Result{};
  Result result;
  result.status = Status::kDone;
  result.consumed = kV2FixedSize + length;
  result.header.version = 2;
  if (local) {
    result.header.local = true;  // the spec: the address block, if any, is not looked at
    return result;
  }
  const uint8_t* addresses = input.data() + kV2FixedSize;
  if (!tlvs_fit(input.subspan(kV2FixedSize + block, length - block)))
    return malformed("v2: a TLV runs past the header");
  const size_t size = family == kFamilyInet ? 4 : 16;
  const uint8_t* ports = addresses + 2 * size;
  auto endpoint = [&](const uint8_t* address, uint16_t port) {
    if (size == 4) {
      uint32_t ip =
          static_cast<uint32_t>(address[0]) << 24 | address[1] << 16 | address[2] << 8 | address[3];
      return Endpoint::ipv4(ip, port);
    }
    std::array<uint8_t, 16> raw{};
    memcpy(raw.data(), address, 16);
    return Endpoint::from_ip(socks4::IpAddress::ipv6(raw), port);
  };
  result.header.source = endpoint(addresses, load_be16(ports));
  result.header.destination = endpoint(addresses + size, load_be16(ports + 2));
  return result;
}

}  // namespace

Result parse(std::span<const uint8_t> input) {
  if (input.empty()) return Result{};
  if (input[0] == 'P') {
    if (!starts_like(input, kV1Prefix)) return malformed("not a PROXY header");
    if (input.size() <= kV1Prefix.size()) return Result{};
    return parse_v1(input);
  }
  if (!starts_like(input, kV2Signature)) return malformed("not a PROXY header");
  return parse_v2(input);
}

}  // namespace sockd::proxy_header
