// RFC 1413 (identification protocol) for sockd's identd check: the query sockd sends to the
// client's identd and a pure parser for the one-line answer. No I/O.
//
//   query:  <port on the identd host> , <port on the querying host> CR LF
//   answer: <same two ports> : USERID : <opsys>[ , <charset>] : <user id> CR LF
//           <same two ports> : ERROR : <error type> CR LF
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace socks4::identd {

inline constexpr uint16_t kPort = 113;
// The most sockd reads of an answer (RFC 1413 allows user ids up to 512 octets); a line that
// has not ended by then is invalid.
inline constexpr size_t kMaxAnswerSize = 1024;
inline constexpr size_t kMaxUserIdLength = 512;

// "50312 , 1080\r\n": `client_port` is the port of the SOCKS client's connection on its own
// host (where identd runs), `server_port` the port it connected to on sockd's host.
std::string format_query(uint16_t client_port, uint16_t server_port);

enum class AnswerKind {
  kUser,     // USERID: `user` names the owner
  kError,    // ERROR: identd declines (NO-USER, HIDDEN-USER, INVALID-PORT, UNKNOWN-ERROR ...)
  kInvalid,  // not a well-formed answer to this query: `detail` says why
};

struct Answer {
  AnswerKind kind = AnswerKind::kInvalid;
  std::string user;     // kUser: the user id, without surrounding blanks
  std::string os;       // kUser: the opsys field ("UNIX", "OTHER" ...)
  std::string charset;  // kUser: the optional charset ("" if absent)
  std::string detail;   // kError: the error type; kInvalid: what was wrong
};

// Whether `received` (everything read so far) holds a whole answer line, or is already too
// long to become one: then the caller stops reading and parses.
bool answer_complete(std::string_view received);

// Parses the answer from everything received (up to the end of the connection or
// kMaxAnswerSize bytes). The line must end in CR LF (a bare LF is tolerated), be at most
// kMaxAnswerSize bytes, and carry the ports of the query; anything after the line is ignored.
Answer parse_answer(std::string_view received, uint16_t client_port, uint16_t server_port);

}  // namespace socks4::identd
