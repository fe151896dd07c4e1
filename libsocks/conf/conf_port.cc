#include "socks4/conf_port.h"

#include <array>
#include <string>

namespace socks4::conf {
namespace {

struct OpName {
  PortOp op;
  const char* name;
};
constexpr std::array<OpName, 7> kOps{{{PortOp::kAny, "any"},
                                      {PortOp::kEq, "eq"},
                                      {PortOp::kNeq, "neq"},
                                      {PortOp::kLt, "lt"},
                                      {PortOp::kGt, "gt"},
                                      {PortOp::kLe, "le"},
                                      {PortOp::kGe, "ge"}}};

std::optional<uint16_t> parse_port_number(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

bool is_all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

}  // namespace

std::optional<PortOp> parse_port_op(std::string_view word) {
  for (const auto& entry : kOps) {
    if (entry.op != PortOp::kAny && equals_ignore_case(word, entry.name)) return entry.op;
  }
  return std::nullopt;
}

const char* to_string(PortOp op) {
  for (const auto& entry : kOps) {
    if (entry.op == op) return entry.name;
  }
  return "?";
}

bool port_matches(PortOp op, uint16_t rule_port, uint16_t port) {
  switch (op) {
    case PortOp::kAny:
      return true;
    case PortOp::kEq:
      return port == rule_port;
    case PortOp::kNeq:
      return port != rule_port;
    case PortOp::kLt:
      return port < rule_port;
    case PortOp::kGt:
      return port > rule_port;
    case PortOp::kLe:
      return port <= rule_port;
    case PortOp::kGe:
      return port >= rule_port;
  }
  return false;
}

std::optional<LineError> parse_port_condition(TokenCursor& cursor, ServiceLookup services,
                                              PortOp& op, uint16_t& port) {
  op = *parse_port_op(cursor.take().text);
  if (cursor.at_end()) return expected(cursor, "a port number or service name after the operator");
  std::string_view text = cursor.peek().text;
  if (is_all_digits(text)) {
    auto number = parse_port_number(text);
    if (!number) return expected(cursor, "a port number from 0 to 65535");
    port = *number;
  } else {
    auto service = services ? services(std::string(text)) : std::nullopt;
    if (!service) return expected(cursor, "a port number or a known TCP service name");
    port = *service;
  }
  cursor.take();
  return std::nullopt;
}

}  // namespace socks4::conf
