#include "socks4/conf_lexer.h"

namespace socks4::conf {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

bool add_diagnostic(std::vector<Diagnostic>& out, size_t max, std::string_view file, int line,
                    const LineError& error) {
  if (out.size() >= max) return false;
  out.push_back({std::string(file), line, error.column, error.message});
  return true;
}

bool LineReader::next(std::string_view& line) {
  if (rest_.empty()) return false;
  const size_t newline = rest_.find('\n');
  line = rest_.substr(0, newline);
  rest_ = newline == std::string_view::npos ? std::string_view{} : rest_.substr(newline + 1);
  ++number_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string_view strip_comment(std::string_view line) {
  return line.substr(0, line.find('#'));
}

std::optional<LineError> check_line(std::string_view line, size_t max_bytes) {
  if (line.size() > max_bytes) {
    return LineError{static_cast<int>(max_bytes) + 1,
                     "line is " + std::to_string(line.size()) + " bytes long, the limit is " +
                         std::to_string(max_bytes),
                     Fault::kLineTooLong};
  }
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return LineError{static_cast<int>(i) + 1,
                       "expected text, found the control character " + quote(line.substr(i, 1))};
    }
  }
  return std::nullopt;
}

ShellTail split_shell_tail(std::string_view code) {
  ShellTail tail;
  tail.words = code;
  bool in_brackets = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const bool token_start = i == 0 || is_blank(code[i - 1]);
    if (token_start && code.substr(i, 2) == "@=") {
      while (i + 1 < code.size() && !is_blank(code[i + 1])) ++i;  // host:port items
      continue;
    }
    if (code[i] == '[') in_brackets = true;
    if (code[i] == ']') in_brackets = false;
    if (code[i] == ':' && !in_brackets) {
      tail.words = code.substr(0, i);
      tail.has_command = true;
      tail.command = trim(code.substr(i + 1));
      tail.colon_column = static_cast<int>(i) + 1;
      break;
    }
  }
  return tail;
}

std::optional<LineError> check_shell_tail(const ShellTail& tail) {
  if (!tail.has_command || !tail.command.empty()) return std::nullopt;
  return LineError{tail.colon_column + 1, "expected a shell command after ':', found end of line",
                   Fault::kEmptyCommand};
}

int end_column(std::string_view text) {
  std::string_view trimmed = trim(text);
  if (trimmed.empty()) return 1;
  return static_cast<int>(trimmed.data() - text.data() + trimmed.size()) + 1;
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

std::string TokenCursor::found() const {
  return at_end() ? "end of line" : quote(peek().text);
}

LineError expected(const TokenCursor& cursor, std::string_view what, Fault fault) {
  return {cursor.column(), "expected " + std::string(what) + ", found " + cursor.found(), fault};
}

std::string Diagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace socks4::conf
