// Line-level lexing for the config files: comment stripping and whitespace-separated tokens
// that remember their 1-based column, so every diagnostic can point at the exact spot.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace socks4::conf {

struct Token {
  std::string_view text;
  int column = 0;  // 1-based column of the token's first byte
};

// An error inside one line: where it is, and what was found versus what was expected.
struct LineError {
  int column = 0;
  std::string message;
};

std::string_view trim(std::string_view text);

// `line` without a `#` comment (callers handle the #NO_IDENTD:/#BAD_ID: lines first).
std::string_view strip_comment(std::string_view line);

// Whitespace-separated tokens of `text`, whose first byte sits at column `first_column`.
std::vector<Token> split_tokens(std::string_view text, int first_column = 1);

// A token quoted for a message: "foo", non-printable bytes as \xNN, long tokens shortened.
std::string quote(std::string_view text);

bool equals_ignore_case(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);

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
LineError expected(const TokenCursor& cursor, std::string_view what);

}  // namespace socks4::conf
