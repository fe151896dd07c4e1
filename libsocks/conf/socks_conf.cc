// socks.conf grammar: text to RoutingConfig, with FILE:LINE:COLUMN diagnostics. A thin layer
// over the NEC line syntax shared with sockd.conf (conf_*.h): this file knows only the actions,
// the @= server list, the `syslog` line, that the destination is required (and IPv4), and the NEC
// wording of its diagnostics (dst_addr, dst_mask) that socks.conf users know.
#include "socks4/socks_conf.h"

#include <utility>

#include "socks4/conf_address.h"
#include "socks4/conf_destination.h"

namespace socks4::client {
namespace {

using conf::Fault;
using conf::LineError;
using conf::TokenCursor;

std::optional<RouteAction> parse_action(std::string_view word) {
  if (conf::equals_ignore_case(word, "deny")) return RouteAction::kDeny;
  if (conf::equals_ignore_case(word, "direct")) return RouteAction::kDirect;
  if (conf::equals_ignore_case(word, "sockd")) return RouteAction::kSockd;
  return std::nullopt;
}

std::string quoted(std::string_view text) {
  return conf::quote(text, '\'');
}

// A shared piece's error in socks.conf's words; `cursor` stands where the piece failed.
LineError in_socks_words(LineError error, const TokenCursor& cursor) {
  const std::string token = cursor.at_end() ? "" : quoted(cursor.peek().text);
  switch (error.fault) {
    case Fault::kBadAddress:
    case Fault::kBadName:
      error.message = "bad destination " + token + " (expected dst_addr dst_mask, CIDR or name)";
      break;
    case Fault::kBadPrefix:
      error.message = "bad CIDR " + token + " (expected a.b.c.d/0..32)";
      break;
    case Fault::kMissingMask:
      error.message = "expected dst_mask (a.b.c.d) after dst_addr, found " + cursor.found();
      break;
    case Fault::kMissingPort:
      error.message = "missing port after the operator";
      break;
    case Fault::kBadPort:
      error.message = "bad port " + token + " (0..65535 or a tcp service name)";
      break;
    case Fault::kEmptyUsers:
      error.message = "empty *= user list";
      break;
    case Fault::kEmptyUser:
      error.message = "empty name in *= user list";
      break;
    default:
      break;
  }
  return error;
}

class Parser {
 public:
  Parser(std::string_view file, ConfFileReader reader, ServiceLookup services)
      : file_(file), reader_(reader), services_(services) {}

  ConfParse run(std::string_view text) {
    conf::LineReader lines(text);
    for (std::string_view line; lines.next(line);) {
      std::optional<RoutingRule> rule;
      if (auto error = parse_line(line, lines.number(), rule)) {
        conf::add_diagnostic(errors_, kMaxConfDiagnostics, file_, lines.number(), *error);
      } else if (rule) {
        config_.rules.push_back(std::move(*rule));
      }
    }
    ConfParse out;
    if (errors_.empty()) out.config = std::move(config_);
    out.errors = std::move(errors_);
    return out;
  }

 private:
  // Sets `rule` unless the line is blank or a comment.
  std::optional<LineError> parse_line(std::string_view line, int number,
                                      std::optional<RoutingRule>& rule) {
    if (auto error = conf::check_line(line, kMaxConfLineLength)) {
      if (error->fault == Fault::kLineTooLong) {
        return LineError{1, "line longer than " + std::to_string(kMaxConfLineLength) + " bytes"};
      }
      return error;
    }
    const conf::ShellTail tail = conf::split_shell_tail(conf::strip_comment(line));
    TokenCursor cursor(conf::split_tokens(tail.words), conf::end_column(tail.words));
    if (cursor.at_end()) {
      if (tail.has_command) return LineError{1, "shell command without a rule"};
      return std::nullopt;
    }
    if (conf::equals_ignore_case(cursor.peek().text, "syslog")) return parse_syslog(cursor, tail);
    if (conf::check_shell_tail(tail)) {
      return LineError{tail.colon_column, "empty shell command after ':'"};
    }
    if (config_.rules.size() >= kMaxConfRules) {
      return LineError{1, "more than " + std::to_string(kMaxConfRules) + " rules"};
    }
    rule.emplace();
    rule->line = number;
    rule->shell_command = std::string(tail.command);
    return parse_rule(cursor, *rule);
  }

  // `syslog` alone: every decision to syslog, as SOCKS_SYSLOG=1 (not in the NEC grammar, where
  // such a line was an error, so no old file changes meaning).
  std::optional<LineError> parse_syslog(TokenCursor& cursor, const conf::ShellTail& tail) {
    cursor.take();
    if (!cursor.at_end()) return LineError{cursor.column(), "syslog takes nothing after it"};
    if (tail.has_command) return LineError{tail.colon_column, "syslog takes nothing after it"};
    config_.syslog = true;
    return std::nullopt;
  }

  // action [@=servers] [*=users] destination [op port]
  std::optional<LineError> parse_rule(TokenCursor& cursor, RoutingRule& rule) {
    auto action = parse_action(cursor.peek().text);
    if (!action) return conf::expected(cursor, "deny, direct or sockd");
    rule.action = *action;
    cursor.take();
    if (auto error = parse_lists(cursor, rule)) return error;
    if (auto error = parse_destination(cursor, rule)) return error;
    if (!cursor.at_end() && conf::parse_port_op(cursor.peek().text)) {
      if (auto error = conf::parse_port_condition(cursor, services_, rule.port_op, rule.port)) {
        return in_socks_words(*error, cursor);
      }
    }
    if (!cursor.at_end()) {
      return LineError{cursor.column(), "unexpected " + quoted(cursor.peek().text) +
                                            " (a shell command starts with ':')"};
    }
    return std::nullopt;
  }

  // The @= and *= lists, in any order, each once.
  std::optional<LineError> parse_lists(TokenCursor& cursor, RoutingRule& rule) {
    bool have_servers = false, have_users = false;
    for (; !cursor.at_end(); cursor.take()) {
      const conf::Token& token = cursor.peek();
      if (!token.text.starts_with("@=") && !token.text.starts_with("*=")) break;
      const std::string_view list = token.text.substr(2);
      if (token.text.starts_with("@=")) {
        if (rule.action != RouteAction::kSockd) {
          return LineError{token.column, "@= server list is only allowed on sockd lines"};
        }
        if (std::exchange(have_servers, true)) return twice(token, "@=");
        if (list.empty()) continue;  // an empty @= means the default servers
        std::string message;
        auto servers = parse_server_list(list, &message);
        if (!servers) return LineError{token.column + 2, message};
        rule.servers = std::move(*servers);
      } else {
        if (std::exchange(have_users, true)) return twice(token, "*=");
        if (auto error = conf::parse_user_list(list, token.column + 2, reader_, rule.users)) {
          return in_socks_words(*error, cursor);
        }
      }
    }
    return std::nullopt;
  }

  static LineError twice(const conf::Token& token, const char* what) {
    return {token.column, std::string("second ") + what + " list on one line"};
  }

  // Required here (sockd.conf's is optional); IPv4 or a name, since SOCKS 4 carries nothing else.
  std::optional<LineError> parse_destination(TokenCursor& cursor, RoutingRule& rule) {
    if (cursor.at_end() || conf::parse_port_op(cursor.peek().text)) {
      return LineError{cursor.column(), "missing destination (dst_addr dst_mask, CIDR or name)"};
    }
    if (cursor.peek().text.starts_with('[')) {
      return LineError{cursor.column(),
                       "IPv6 destination " + quoted(cursor.peek().text) +
                           " (socks.conf routes IPv4 only: SOCKS 4 cannot carry IPv6, and IPv6 "
                           "connections are always made directly)"};
    }
    conf::Destination destination;
    if (auto error = conf::parse_destination(cursor, destination)) {
      return in_socks_words(*error, cursor);
    }
    rule.address = destination.address.address;
    rule.mask = destination.address.mask;
    rule.name = std::move(destination.name);
    if (!rule.name.empty() && !cursor.at_end() && conf::parse_ipv4(cursor.peek().text)) {
      cursor.take();  // an old-style mask after a name: ignored, as the original did
    }
    return std::nullopt;
  }

  std::string_view file_;
  ConfFileReader reader_;
  ServiceLookup services_;
  RoutingConfig config_;
  std::vector<ConfDiagnostic> errors_;
};

}  // namespace

std::optional<std::string> read_conf_file(const std::string& path) {
  return conf::read_bounded_file(path, kMaxConfFileBytes);
}

ConfParse parse_socks_conf(std::string_view text, std::string_view file_name, ConfFileReader reader,
                           ServiceLookup services) {
  return Parser(file_name, reader, services).run(text);
}

}  // namespace socks4::client
