#include "identd_reply.h"

#include <charconv>
#include <optional>

namespace socks4::identd {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

std::optional<uint16_t> parse_port(std::string_view text) {
  text = trim(text);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

Answer invalid(std::string detail) {
  Answer answer;
  answer.kind = AnswerKind::kInvalid;
  answer.detail = std::move(detail);
  return answer;
}

// "<client port> , <server port>" must name the connection that was asked about.
std::optional<std::string> check_ports(std::string_view field, uint16_t client_port,
                                       uint16_t server_port) {
  size_t comma = field.find(',');
  if (comma == std::string_view::npos) return "no port pair";
  auto first = parse_port(field.substr(0, comma));
  auto second = parse_port(field.substr(comma + 1));
  if (!first || !second) return "no port pair";
  if (*first != client_port || *second != server_port) {
    return "answer for ports " + std::to_string(*first) + "," + std::to_string(*second) +
           " instead of " + std::to_string(client_port) + "," + std::to_string(server_port);
  }
  return std::nullopt;
}

// After "USERID :": "<opsys>[ , <charset>] : <user id>". The user id runs to the end of the line
// and may itself contain colons.
Answer parse_user_id(std::string_view rest) {
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return invalid("USERID answer without a user id");
  std::string_view opsys_field = rest.substr(0, colon);
  std::string_view user = trim(rest.substr(colon + 1));
  Answer answer;
  answer.kind = AnswerKind::kUser;
  size_t comma = opsys_field.find(',');
  answer.os = std::string(trim(opsys_field.substr(0, comma)));
  if (comma != std::string_view::npos)
    answer.charset = std::string(trim(opsys_field.substr(comma + 1)));
  if (answer.os.empty()) return invalid("USERID answer without an operating system");
  if (user.empty()) return invalid("USERID answer with an empty user id");
  if (user.size() > kMaxUserIdLength) return invalid("user id longer than 512 bytes");
  answer.user = std::string(user);
  return answer;
}

}  // namespace

std::string format_query(uint16_t client_port, uint16_t server_port) {
  return std::to_string(client_port) + " , " + std::to_string(server_port) + "\r\n";
}

bool answer_complete(std::string_view received) {
  return received.find('\n') != std::string_view::npos || received.size() >= kMaxAnswerSize;
}

Answer parse_answer(std::string_view received, uint16_t client_port, uint16_t server_port) {
  size_t end = received.find('\n');
  if (end == std::string_view::npos) {
    if (received.empty()) return invalid("no answer");
    if (received.size() >= kMaxAnswerSize) return invalid("answer longer than 1024 bytes");
    return invalid("answer not ended by CR LF");
  }
  if (end >= kMaxAnswerSize) return invalid("answer longer than 1024 bytes");
  std::string_view line = received.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (char c : line) {
    if (c == '\0' || c == '\r') return invalid("NUL or CR inside the answer");
  }
  size_t first = line.find(':');
  if (first == std::string_view::npos) return invalid("not an identd answer");
  if (auto problem = check_ports(line.substr(0, first), client_port, server_port)) {
    return invalid(*problem);
  }
  std::string_view rest = line.substr(first + 1);
  size_t second = rest.find(':');
  std::string_view type = trim(rest.substr(0, second));
  std::string_view after = second == std::string_view::npos ? "" : rest.substr(second + 1);
  if (equals_ignore_case(type, "USERID")) return parse_user_id(after);
  if (equals_ignore_case(type, "ERROR")) {
    Answer answer;
    answer.kind = AnswerKind::kError;
    answer.detail = std::string(trim(after));
    if (answer.detail.empty()) return invalid("ERROR answer without an error type");
    return answer;
  }
  return invalid("answer type is neither USERID nor ERROR");
}

}  // namespace socks4::identd
