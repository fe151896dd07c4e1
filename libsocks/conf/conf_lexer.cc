#include "socks4/conf_lexer.h"

#include <cstdio>

namespace socks4::conf {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr size_t kMaxQuotedBytes = 48;  // a diagnostic shows at most this much of a token

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view strip_comment(std::string_view line) {
  return line.substr(0, line.find('#'));
}

std::vector<Token> split_tokens(std::string_view text, int first_column) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    if (is_blank(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && !is_blank(text[i])) ++i;
    tokens.push_back({text.substr(start, i - start), first_column + static_cast<int>(start)});
  }
  return tokens;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMaxQuotedBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxQuotedBytes) out += "...";
  return out + "\"";
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

std::string TokenCursor::found() const {
  return at_end() ? "end of line" : quote(peek().text);
}

LineError expected(const TokenCursor& cursor, std::string_view what) {
  return {cursor.column(), "expected " + std::string(what) + ", found " + cursor.found()};
}

}  // namespace socks4::conf
