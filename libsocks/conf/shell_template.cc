// The shared %-substitution and sanitiser (see socks4/shell_template.h).
#include "socks4/shell_template.h"

namespace socks4 {
namespace {

bool is_safe(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  for (char allowed : std::string_view("!@%-_=+:,./")) {
    if (c == allowed) return true;
  }
  return false;
}

// The value for "%<letter>", or nullptr if the letter is not a substitution.
const std::string* value_for(char letter, const ShellValues& values) {
  switch (letter) {
    case 'A':
      return &values.client_host;
    case 'a':
      return &values.client_address;
    case 'c':
      return &values.command;
    case 'P':
      return values.program ? &*values.program : nullptr;
    case 'p':
      return &values.pid;
    case 'S':
      return &values.service;
    case 's':
      return &values.port;
    case 'U':
      return &values.identd_user;
    case 'u':
      return &values.user;
    case 'Z':
      return &values.destination_host;
    case 'z':
      return &values.destination;
    default:
      return nullptr;
  }
}

}  // namespace

std::string sanitize_shell_value(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (!is_safe(c)) c = '_';
  }
  // A value that starts with '-' would be read as an option by the command it is handed to
  // (a USERID of "-f/etc/shadow" makes `logger %u` log that file).
  if (!out.empty() && out.front() == '-') out.front() = '_';
  return out;
}

std::optional<std::string> expand_shell_template(std::string_view text, const ShellValues& values) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%' || i + 1 == text.size()) {
      out.push_back(text[i]);
    } else if (text[i + 1] == '%') {
      out.push_back('%');
      ++i;
    } else if (const std::string* value = value_for(text[i + 1], values)) {
      out += sanitize_shell_value(*value);
      ++i;
    } else {
      out.push_back('%');
    }
    if (out.size() > kMaxExpandedCommand) return std::nullopt;
  }
  return out;
}

}  // namespace socks4
