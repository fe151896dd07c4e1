#include "conf_rule.h"

#include <algorithm>

#include "socks4/conf_address.h"
#include "socks4/conf_port.h"
#include "socks4/conf_users.h"
#include "socks4/proto.h"

namespace socks4::conf {
namespace {

bool is_name_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::optional<Command> parse_command_word(std::string_view word) {
  if (equals_ignore_case(word, "connect")) return Command::kConnect;
  if (equals_ignore_case(word, "bind")) return Command::kBind;
  return std::nullopt;
}

std::optional<LineError> parse_identd_qualifier(const Token& token, Rule& rule) {
  std::string_view mode = token.text.substr(2);
  if (mode == "I") {
    rule.identd = IdentdMode::kStrict;
  } else if (mode == "i") {
    rule.identd = IdentdMode::kLoose;
  } else if (mode == "n") {
    rule.identd = IdentdMode::kNone;
  } else {
    return LineError{token.column + 2, "expected I, i or n after ?=, found " +
                                           (mode.empty() ? std::string("nothing") : quote(mode))};
  }
  return std::nullopt;
}

// The optional qualifiers between permit/deny and the source, in any order, each once.
std::optional<LineError> parse_qualifiers(TokenCursor& cursor, const RuleSyntaxContext& context,
                                          Rule& rule) {
  bool seen_identd = false, seen_users = false;
  while (!cursor.at_end()) {
    const Token& token = cursor.peek();
    if (auto command = parse_command_word(token.text)) {
      if (rule.command) return LineError{token.column, "connect/bind given twice in one rule"};
      rule.command = command;
    } else if (starts_with(token.text, "?=")) {
      if (seen_identd) return LineError{token.column, "?= given twice in one rule"};
      seen_identd = true;
      if (auto error = parse_identd_qualifier(token, rule)) return error;
    } else if (starts_with(token.text, "*=")) {
      if (seen_users) return LineError{token.column, "*= given twice in one rule"};
      seen_users = true;
      if (auto error =
              parse_user_list(token.text.substr(2), token.column + 2, context.reader, rule.users)) {
        return error;
      }
    } else {
      return std::nullopt;
    }
    cursor.take();
  }
  return std::nullopt;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Why a token in the destination's place, valid as DNS syntax, is still no host name a rule
// can mean: most often a typo that would silently turn a deny into one that never matches
// ("eq25" for "eq 25"). Empty if it is a plausible name.
std::string implausible_name(std::string_view text) {
  for (std::string_view op : {"neq", "eq", "lt", "gt", "le", "ge"}) {
    if (text.size() > op.size() && equals_ignore_case(text.substr(0, op.size()), op) &&
        all_digits(text.substr(op.size()))) {
      return "an operator and its port as two words (" + std::string(op) + " " +
             std::string(text.substr(op.size())) + ")";
    }
  }
  for (std::string_view keyword : {"permit", "deny", "connect", "bind"}) {
    if (equals_ignore_case(text, keyword)) return "a destination, not the keyword " + quote(text);
  }
  std::string_view last_label = text.substr(text.rfind('.') + 1);
  if (all_digits(last_label)) {
    return "a destination address (a.b.c.d mask, a.b.c.d/len or [ipv6]/len) or a host name "
           "whose last label is not all digits";
  }
  return {};
}

// The destination, if the next token is one: an address (numeric) or a host name / .suffix.
std::optional<LineError> parse_destination(TokenCursor& cursor, Rule& rule) {
  if (cursor.at_end() || parse_port_op(cursor.peek().text)) return std::nullopt;
  std::string_view text = cursor.peek().text;
  Destination destination;
  if (looks_like_address(text)) {
    if (auto error = parse_address_mask(cursor, "destination", destination.address)) return error;
  } else {
    auto name = normalize_destination_name(text);
    if (name) {
      if (std::string why = implausible_name(*name); !why.empty()) return expected(cursor, why);
    }
    if (!name) {
      return expected(cursor,
                      "a destination (addr mask, addr/len, host name or .domain) or an operator "
                      "(eq neq lt gt le ge)");
    }
    destination.name = *name;
    cursor.take();
  }
  rule.destination = std::move(destination);
  return std::nullopt;
}

}  // namespace

bool is_rule_keyword(std::string_view word) {
  return equals_ignore_case(word, "permit") || equals_ignore_case(word, "deny");
}

std::optional<std::string> normalize_destination_name(std::string_view text) {
  if (!text.empty() && text.back() == '.' && text.size() > 1) text.remove_suffix(1);
  std::string_view labels = text.substr(0, 1) == "." ? text.substr(1) : text;
  if (labels.empty() || labels.size() > kMaxHostnameLength) return std::nullopt;
  if (labels.front() == '.' || labels.back() == '.' ||
      labels.find("..") != std::string_view::npos) {
    return std::nullopt;
  }
  for (char c : labels) {
    if (!is_name_byte(c)) return std::nullopt;
  }
  return to_lower(text);
}

std::optional<LineError> parse_rule(TokenCursor& cursor, const RuleSyntaxContext& context,
                                    Rule& rule) {
  rule.action = equals_ignore_case(cursor.take().text, "permit") ? Action::kPermit : Action::kDeny;
  if (auto error = parse_qualifiers(cursor, context, rule)) return error;
  if (auto error = parse_address_mask(cursor, "source", rule.source)) return error;
  if (auto error = parse_destination(cursor, rule)) return error;
  if (!cursor.at_end() && parse_port_op(cursor.peek().text)) {
    if (auto error = parse_port_condition(cursor, context.services, rule.port_op, rule.port)) {
      return error;
    }
  }
  if (!cursor.at_end()) {
    return expected(cursor, rule.port_op == PortOp::kAny
                                ? "an operator (eq neq lt gt le ge), ':' or end of line"
                                : "':' or end of line");
  }
  return std::nullopt;
}

}  // namespace socks4::conf
