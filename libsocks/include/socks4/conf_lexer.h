// The NEC line syntax shared by sockd.conf and socks.conf, line level: comment stripping, the
// `: shell_cmd` tail, and whitespace-separated tokens that remember their 1-based column, so
// every diagnostic can point at the exact spot. The pieces of a rule line are in
// conf_address.h, conf_port.h, conf_users.h and conf_destination.h; each grammar is a thin
// layer over them (docs/ARCHITECTURE.md, "Rules and admission" and "Client settings and
// routing").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "socks4/conf_text.h"

namespace socks4::conf {

struct Token {
  std::string_view text;
  int column = 0;  // 1-based column of the token's first byte
};

// Which mistake a LineError reports, for the faults socks.conf words in its own (NEC
// dst_addr/dst_mask) terms; the message is sockd.conf's wording.
enum class Fault {
  kOther,
  kLineTooLong,
  kBadAddress,    // not a dotted quad, or a mask that is not one
  kBadPrefix,     // a.b.c.d/len that is not one
  kMissingMask,   // "addr" without its mask
  kBadName,       // a destination that is neither an address nor a host name
  kMissingPort,   // an operator without its port
  kBadPort,       // a port out of range or an unknown service
  kEmptyUsers,    // "*=" with nothing after it
  kEmptyUser,     // an empty item in a *= list ("a,,b")
  kEmptyCommand,  // ':' with no shell command after it
};

// An error inside one line: where it is, and what was found versus what was expected.
struct LineError {
  int column = 0;
  std::string message;
  Fault fault = Fault::kOther;
};

// One error of a file: "FILE:LINE:COLUMN: MESSAGE", or "FILE: MESSAGE" for line 0 (a remark
// about the whole file).
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;  // 1-based
  std::string message;
  std::string to_string() const;
};

// Appends `error` of line `line` to `out` unless it already holds `max` diagnostics; returns
// whether it did (a grammar may count the others).
bool add_diagnostic(std::vector<Diagnostic>& out, size_t max, std::string_view file, int line,
                    const LineError& error);

// Walks the lines of a file's text, numbered from 1, each without its newline and without a
// final '\r' (a CRLF file reads like an LF one).
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  // The next line, or false at the end of the text.
  bool next(std::string_view& line);
  int number() const { return number_; }

 private:
  std::string_view rest_;
  int number_ = 0;
};

std::string_view trim(std::string_view text);

// `line` without a `#` comment, which starts anywhere, a shell command included (sockd.conf
// handles its #NO_IDENTD:/#BAD_ID: lines first).
std::string_view strip_comment(std::string_view line);

// Over kMaxLineBytes, or holding a control character other than tab: the error, else nullopt.
// `line` has no newline, and no final '\r' (a CRLF file reads like an LF one).
std::optional<LineError> check_line(std::string_view line, size_t max_bytes);

// A rule line (comment stripped) cut at its `: shell_cmd` tail: the first ':' outside [...]
// (an IPv6 prefix) and outside an @= server list (whose items carry :port).
struct ShellTail {
  std::string_view words;    // before the ':', or the whole line
  bool has_command = false;  // there is a ':'
  std::string_view command;  // after it, trimmed
  int colon_column = 0;      // 1-based column of the ':'
};
ShellTail split_shell_tail(std::string_view code);

// "expected a shell command after ':'" when the tail is a ':' alone, else nullopt.
std::optional<LineError> check_shell_tail(const ShellTail& tail);

// The column just past the last non-blank byte of `text`: where "found end of line" points.
int end_column(std::string_view text);

// Whitespace-separated tokens of `text`, whose first byte sits at column `first_column`.
std::vector<Token> split_tokens(std::string_view text, int first_column = 1);

// Walks the tokens of one line and knows what "found" means at the current position.
class TokenCursor {
 public:
  TokenCursor(std::vector<Token> tokens, int end_column)
      : tokens_(std::move(tokens)), end_column_(end_column) {}

  bool at_end() const { return next_ == tokens_.size(); }
  // The next token; only valid when !at_end().
  const Token& peek() const { return tokens_[next_]; }
  const Token& take() { return tokens_[next_++]; }
  // Column of the next token, or just past the line's last token at the end.
  int column() const { return at_end() ? end_column_ : peek().column; }
  // `"token"` or `end of line`, for "expected X, found Y".
  std::string found() const;

 private:
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int end_column_;
};

// "expected WHAT, found ..." at the cursor's position.
LineError expected(const TokenCursor& cursor, std::string_view what, Fault fault = Fault::kOther);

}  // namespace socks4::conf
