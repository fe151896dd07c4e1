#include "socks4/proto.h"

#include <algorithm>

namespace socks4 {
namespace {

uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint32_t load_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void store_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

bool is_hostname_byte(uint8_t c) {
  return c >= 0x21 && c <= 0x7e;
}

bool is_reply_code(uint8_t cd) {
  return cd >= 90 && cd <= 93;
}

}  // namespace

const char* to_string(ParseError error) {
  switch (error) {
    case ParseError::kNone:
      return "no error";
    case ParseError::kBadVersion:
      return "not a SOCKS4 request (version byte is not 4)";
    case ParseError::kBadCommand:
      return "unknown command (CD is not 1 or 2)";
    case ParseError::kZeroDestination:
      return "destination address 0.0.0.0";
    case ParseError::kUserIdTooLong:
      return "USERID longer than 255 bytes";
    case ParseError::kHostnameTooLong:
      return "HOSTNAME longer than 255 bytes";
    case ParseError::kHostnameEmpty:
      return "empty HOSTNAME in a 4a request";
    case ParseError::kHostnameNotPrintable:
      return "non-printable byte in HOSTNAME";
  }
  return "unknown error";
}

bool reply_makes_sense(ParseError error) {
  return error != ParseError::kBadVersion;
}

ParseStatus RequestParser::fail(ParseError error) {
  error_ = error;
  stage_ = Stage::kDone;
  return status_ = ParseStatus::kInvalid;
}

void RequestParser::finish_header() {
  request_.command = static_cast<Command>(header_[1]);
  request_.port = load_be16(&header_[2]);
  request_.ip = load_be32(&header_[4]);
}

ParseStatus RequestParser::feed(std::span<const uint8_t> input, size_t* consumed) {
  size_t used = 0;
  auto done = [&](ParseStatus s) {
    total_ += used;
    if (consumed) *consumed = used;
    return s;
  };
  while (stage_ != Stage::kDone && used < input.size()) {
    const uint8_t byte = input[used++];
    switch (stage_) {
      case Stage::kHeader:
        header_[header_filled_++] = byte;
        // Reject as soon as the offending byte arrives, not after the whole header.
        if (header_filled_ == 1 && byte != kRequestVersion)
          return done(fail(ParseError::kBadVersion));
        if (header_filled_ == 2 && byte != 1 && byte != 2)
          return done(fail(ParseError::kBadCommand));
        if (header_filled_ == kRequestHeaderSize) {
          finish_header();
          if (request_.ip == 0) return done(fail(ParseError::kZeroDestination));
          stage_ = Stage::kUserId;
        }
        break;
      case Stage::kUserId:
        if (byte == 0) {
          if (!is_4a_marker(request_.ip)) {
            stage_ = Stage::kDone;
            return done(status_ = ParseStatus::kComplete);
          }
          stage_ = Stage::kHostname;
        } else if (request_.user_id.size() == kMaxUserIdLength) {
          return done(fail(ParseError::kUserIdTooLong));
        } else {
          request_.user_id.push_back(static_cast<char>(byte));
        }
        break;
      case Stage::kHostname:
        if (byte == 0) {
          if (request_.hostname.empty()) return done(fail(ParseError::kHostnameEmpty));
          stage_ = Stage::kDone;
          return done(status_ = ParseStatus::kComplete);
        }
        if (!is_hostname_byte(byte)) return done(fail(ParseError::kHostnameNotPrintable));
        if (request_.hostname.size() == kMaxHostnameLength)
          return done(fail(ParseError::kHostnameTooLong));
        request_.hostname.push_back(static_cast<char>(byte));
        break;
      case Stage::kDone:
        break;
    }
  }
  return done(status_);
}

RequestParse parse_request(std::span<const uint8_t> input) {
  RequestParser parser;
  size_t consumed = 0;
  ParseStatus status = parser.feed(input, &consumed);
  return {status, parser.error(), parser.request(), consumed};
}

std::vector<uint8_t> encode_request(const Request& request) {
  const bool is_4a = !request.hostname.empty();
  if (request.user_id.size() > kMaxUserIdLength || request.hostname.size() > kMaxHostnameLength)
    return {};
  // Refuse what a parser (ours or a peer's) would refuse, rather than send it.
  if (request.user_id.find('\0') != std::string::npos) return {};
  if (!std::all_of(request.hostname.begin(), request.hostname.end(),
                   [](char c) { return is_hostname_byte(static_cast<uint8_t>(c)); }))
    return {};
  if (!is_4a && (request.ip == 0 || is_4a_marker(request.ip))) return {};

  std::vector<uint8_t> out(kRequestHeaderSize);
  out[0] = kRequestVersion;
  out[1] = static_cast<uint8_t>(request.command);
  store_be16(&out[2], request.port);
  store_be32(&out[4], is_4a && !is_4a_marker(request.ip) ? 1 : request.ip);
  out.insert(out.end(), request.user_id.begin(), request.user_id.end());
  out.push_back(0);
  if (is_4a) {
    out.insert(out.end(), request.hostname.begin(), request.hostname.end());
    out.push_back(0);
  }
  return out;
}

std::array<uint8_t, kReplySize> encode_reply(const Reply& reply) {
  std::array<uint8_t, kReplySize> out{};
  out[0] = kReplyVersion;
  out[1] = static_cast<uint8_t>(reply.code);
  store_be16(&out[2], reply.port);
  store_be32(&out[4], reply.ip);
  return out;
}

ReplyParse parse_reply(std::span<const uint8_t> input) {
  if (!input.empty() && input[0] != kReplyVersion) return {ParseStatus::kInvalid, {}};
  if (input.size() >= 2 && !is_reply_code(input[1])) return {ParseStatus::kInvalid, {}};
  if (input.size() < kReplySize) return {ParseStatus::kNeedMore, {}};
  Reply reply;
  reply.code = static_cast<ReplyCode>(input[1]);
  reply.port = load_be16(&input[2]);
  reply.ip = load_be32(&input[4]);
  return {ParseStatus::kComplete, reply};
}

}  // namespace socks4
