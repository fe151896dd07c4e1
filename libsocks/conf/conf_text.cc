#include "socks4/conf_text.h"

#include <cstdio>

namespace socks4::conf {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_label_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

constexpr size_t kMaxHostNameBytes = 255;

}  // namespace

std::string quote(std::string_view text, char mark, size_t max_bytes) {
  std::string out(1, mark);
  for (size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == static_cast<unsigned char>(mark) || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out + mark;
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

bool is_host_name(std::string_view text) {
  if (text.empty() || text.size() > kMaxHostNameBytes) return false;
  if (text.size() > 1 && text.back() == '.') text.remove_suffix(1);
  bool label_empty = true;
  for (char c : text) {
    if (c == '.') {
      if (label_empty) return false;
      label_empty = true;
    } else if (is_label_byte(c)) {
      label_empty = false;
    } else {
      return false;
    }
  }
  return !label_empty && text.find_first_not_of("0123456789.") != std::string_view::npos;
}

}  // namespace socks4::conf
