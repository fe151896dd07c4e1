#include "conf_rule.h"

#include "socks4/conf_address.h"
#include "socks4/conf_destination.h"
#include "socks4/conf_port.h"
#include "socks4/conf_users.h"
#include "socks4/proto.h"

namespace socks4::conf {
namespace {

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

// The destination, if the next token is one (it is optional in sockd.conf).
std::optional<LineError> parse_optional_destination(TokenCursor& cursor, Rule& rule) {
  if (cursor.at_end() || parse_port_op(cursor.peek().text)) return std::nullopt;
  Destination destination;
  if (auto error = parse_destination(cursor, destination)) return error;
  rule.destination = std::move(destination);
  return std::nullopt;
}

}  // namespace

bool is_rule_keyword(std::string_view word) {
  return equals_ignore_case(word, "permit") || equals_ignore_case(word, "deny");
}

std::optional<LineError> parse_rule(TokenCursor& cursor, const RuleSyntaxContext& context,
                                    Rule& rule) {
  rule.action = equals_ignore_case(cursor.take().text, "permit") ? Action::kPermit : Action::kDeny;
  if (auto error = parse_qualifiers(cursor, context, rule)) return error;
  if (auto error = parse_address_mask(cursor, "source", rule.source)) return error;
  if (auto error = parse_optional_destination(cursor, rule)) return error;
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
