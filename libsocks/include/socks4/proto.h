// SOCKS 4/4a wire codec: pure functions and an incremental parser, no I/O.
//
// Request: VN=4 | CD | DSTPORT(2) | DSTIP(4) | USERID | 0 [| HOSTNAME | 0 when DSTIP=0.0.0.x, x!=0]
// Reply:   VN=0 | CD | DSTPORT(2) | DSTIP(4)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace socks4 {

inline constexpr uint8_t kRequestVersion = 4;
inline constexpr uint8_t kReplyVersion = 0;
inline constexpr size_t kMaxUserIdLength = 255;
inline constexpr size_t kMaxHostnameLength = 255;
inline constexpr size_t kRequestHeaderSize = 8;
inline constexpr size_t kReplySize = 8;
inline constexpr size_t kMaxRequestSize =
    kRequestHeaderSize + kMaxUserIdLength + 1 + kMaxHostnameLength + 1;

enum class Command : uint8_t { kConnect = 1, kBind = 2 };

enum class ReplyCode : uint8_t {
  kGranted = 90,
  kRejected = 91,       // rejected or failed
  kNoIdentd = 92,       // sockd cannot reach the client's identd
  kIdentMismatch = 93,  // identd reports another user than USERID
};

struct Request {
  Command command = Command::kConnect;
  uint16_t port = 0;     // host byte order
  uint32_t ip = 0;       // host byte order; 0.0.0.x (x != 0) for 4a
  std::string user_id;   // any bytes but NUL, at most kMaxUserIdLength
  std::string hostname;  // non-empty exactly for 4a requests

  bool is_4a() const { return !hostname.empty(); }
  friend bool operator==(const Request&, const Request&) = default;
};

struct Reply {
  ReplyCode code = ReplyCode::kRejected;
  uint16_t port = 0;  // host byte order
  uint32_t ip = 0;    // host byte order
  friend bool operator==(const Reply&, const Reply&) = default;
};

// Tri-state result of feeding bytes to a parser.
enum class ParseStatus { kNeedMore, kComplete, kInvalid };

enum class ParseError {
  kNone,
  kBadVersion,       // VN != 4: not a SOCKS4 client at all
  kBadCommand,       // CD not 1 or 2
  kZeroDestination,  // DSTIP 0.0.0.0 (neither an address nor 4a)
  kUserIdTooLong,
  kHostnameTooLong,
  kHostnameEmpty,         // 4a request with an empty HOSTNAME
  kHostnameNotPrintable,  // HOSTNAME byte outside 0x21..0x7e
};

// Human-readable reason, for log lines.
const char* to_string(ParseError error);

// Whether a 91 reply is meaningful for this error. A peer that did not speak version 4
// gets the connection closed without a reply.
bool reply_makes_sense(ParseError error);

// True for 0.0.0.x with x != 0: the 4a marker.
constexpr bool is_4a_marker(uint32_t ip) {
  return ip != 0 && ip <= 0xff;
}

// Incremental request parser. Feed bytes as they arrive; it consumes only the request, so
// bytes a client pipelines after it stay with the caller. Reports invalid input as early as
// the first offending byte, and never buffers more than kMaxRequestSize.
class RequestParser {
 public:
  // Consumes bytes from `input` up to the end of the request. `*consumed` (if given) receives
  // how many bytes were used. Once kComplete or kInvalid, further calls consume nothing.
  ParseStatus feed(std::span<const uint8_t> input, size_t* consumed = nullptr);

  ParseStatus status() const { return status_; }
  ParseError error() const { return error_; }
  // Valid once status() == kComplete; fields parsed so far otherwise.
  const Request& request() const { return request_; }
  // Total bytes consumed so far.
  size_t bytes_consumed() const { return total_; }

 private:
  enum class Stage { kHeader, kUserId, kHostname, kDone };
  ParseStatus fail(ParseError error);
  void finish_header();

  Stage stage_ = Stage::kHeader;
  ParseStatus status_ = ParseStatus::kNeedMore;
  ParseError error_ = ParseError::kNone;
  std::array<uint8_t, kRequestHeaderSize> header_{};
  size_t header_filled_ = 0;
  size_t total_ = 0;
  Request request_;
};

// One-shot parse of a complete buffer.
struct RequestParse {
  ParseStatus status;
  ParseError error;
  Request request;
  size_t consumed;
};
RequestParse parse_request(std::span<const uint8_t> input);

// Encodes a request. A 4a request (non-empty hostname) gets DSTIP 0.0.0.1 unless `ip` already
// holds a 4a marker. Returns an empty vector for anything RequestParser would refuse: a field
// over its limit, NUL in USERID, a non-printable HOSTNAME byte, or (without a hostname) DSTIP
// 0.0.0.0 or a 4a marker.
std::vector<uint8_t> encode_request(const Request& request);

std::array<uint8_t, kReplySize> encode_reply(const Reply& reply);

// Parses the 8-byte reply. kInvalid if VN != 0 or CD is not one of 90..93.
struct ReplyParse {
  ParseStatus status;
  Reply reply;
};
ReplyParse parse_reply(std::span<const uint8_t> input);

}  // namespace socks4
