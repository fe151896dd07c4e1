// sockd.conf: the line loop. Each line is a comment, a #NO_IDENTD:/#BAD_ID: command, a
// permit/deny rule or a directive; every bad line yields one diagnostic and parsing goes on,
// so an administrator sees all mistakes at once.
#include "socks4/sockd_conf.h"

#include <cerrno>
#include <cstring>

#include "conf_directives.h"
#include "conf_rule.h"
#include "socks4/conf_address.h"
#include "socks4/conf_lexer.h"

namespace socks4::conf {
namespace {

// The special comment lines of the NEC/CSTC format, case-sensitive like the original.
constexpr std::string_view kNoIdentdPrefix = "#NO_IDENTD:";
constexpr std::string_view kBadIdPrefix = "#BAD_ID:";

class ConfigParser {
 public:
  ConfigParser(std::string_view file_name, FileReader reader, ServiceLookup services)
      : file_name_(file_name), rule_context_{reader, services} {}

  ParseOutcome run(std::string_view text) {
    int line_number = 0;
    while (!text.empty()) {
      size_t newline = text.find('\n');
      std::string_view line = text.substr(0, newline);
      text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
      ++line_number;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (auto error = parse_line(line, line_number)) report(line_number, *error);
    }
    ParseOutcome outcome;
    if (errors_.empty()) {
      outcome.config = std::move(config_);
    } else if (suppressed_ > 0) {
      // Line 0: a remark about the whole file rather than a place in it.
      errors_.push_back(
          {std::string(file_name_), 0, 0,
           std::to_string(suppressed_) +
               (suppressed_ == 1 ? " more error not shown" : " more errors not shown")});
    }
    outcome.errors = std::move(errors_);
    return outcome;
  }

 private:
  std::optional<LineError> parse_line(std::string_view line, int line_number) {
    if (line.size() > kMaxLineLength) {
      return LineError{static_cast<int>(kMaxLineLength) + 1,
                       "line is " + std::to_string(line.size()) + " bytes long, the limit is " +
                           std::to_string(kMaxLineLength)};
    }
    for (size_t i = 0; i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return LineError{static_cast<int>(i) + 1,
                         "expected text, found the control character " + quote(line.substr(i, 1))};
      }
    }
    std::string_view body = trim(line);
    int body_column = static_cast<int>(body.data() - line.data()) + 1;
    if (body.starts_with(kNoIdentdPrefix)) {
      return special_command(body, kNoIdentdPrefix, body_column, config_.no_identd_command);
    }
    if (body.starts_with(kBadIdPrefix)) {
      return special_command(body, kBadIdPrefix, body_column, config_.bad_id_command);
    }
    std::string_view code = strip_comment(line);
    std::vector<Token> tokens = split_tokens(code);
    if (tokens.empty()) return std::nullopt;
    if (is_rule_keyword(tokens.front().text)) return parse_rule_line(code, line_number);
    if (is_directive(tokens.front().text)) {
      TokenCursor cursor(tokens, end_column(code));
      return parse_directive(cursor, line_number, directives_seen_, config_.settings);
    }
    return LineError{tokens.front().column, "expected permit, deny or a directive (" +
                                                directive_names() + "), found " +
                                                quote(tokens.front().text)};
  }

  std::optional<LineError> special_command(std::string_view body, std::string_view prefix,
                                           int column, std::string& target) {
    std::string_view command = trim(body.substr(prefix.size()));
    if (command.empty()) {
      return LineError{
          column + static_cast<int>(prefix.size()),
          "expected a shell command after " + std::string(prefix) + ", found end of line"};
    }
    if (!target.empty()) {
      return LineError{column, std::string(prefix) + " given twice"};
    }
    target = std::string(command);
    return std::nullopt;
  }

  // "permit|deny ... [: shell_cmd]": everything after the first ':' outside an IPv6 address's
  // brackets is the command.
  std::optional<LineError> parse_rule_line(std::string_view code, int line_number) {
    size_t colon = find_command_colon(code);
    std::string_view words = code.substr(0, colon);
    Rule rule;
    rule.line = line_number;
    if (colon != std::string_view::npos) {
      std::string_view command = trim(code.substr(colon + 1));
      if (command.empty()) {
        return LineError{static_cast<int>(colon) + 2,
                         "expected a shell command after ':', found end of line"};
      }
      rule.shell_command = std::string(command);
    }
    TokenCursor cursor(split_tokens(words), end_column(words));
    if (auto error = parse_rule(cursor, rule_context_, rule)) return error;
    if (config_.rules.size() >= kMaxRules) {
      return LineError{1, "too many rules (the limit is " + std::to_string(kMaxRules) + ")"};
    }
    config_.rules.push_back(std::move(rule));
    return std::nullopt;
  }

  // The column just past the last non-blank byte: where "found end of line" points.
  static int end_column(std::string_view text) {
    std::string_view trimmed = trim(text);
    if (trimmed.empty()) return 1;
    return static_cast<int>(trimmed.data() - text.data() + trimmed.size()) + 1;
  }

  void report(int line_number, const LineError& error) {
    if (errors_.size() >= kMaxDiagnostics) {
      ++suppressed_;
      return;
    }
    errors_.push_back({std::string(file_name_), line_number, error.column, error.message});
  }

  std::string_view file_name_;
  RuleSyntaxContext rule_context_;
  Config config_;
  DirectivesSeen directives_seen_;
  std::vector<ParseDiagnostic> errors_;
  size_t suppressed_ = 0;
};

}  // namespace

Config default_config() {
  Config config;
  config.settings.listen.push_back({"127.0.0.1", 1080});
  Rule loopback;
  loopback.action = Action::kPermit;
  loopback.source = {0x7f000000, 0xff000000};  // 127.0.0.0/8
  config.rules.push_back(loopback);
  return config;
}

std::string ParseDiagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ParseOutcome parse(std::string_view text, std::string_view file_name, FileReader reader,
                   ServiceLookup services) {
  return ConfigParser(file_name, reader, services).run(text);
}

ParseOutcome parse_file(const std::string& path, FileReader reader, ServiceLookup services) {
  errno = 0;
  std::optional<std::string> text = reader ? reader(path) : std::nullopt;
  if (!text) {
    std::string reason = errno != 0 ? std::string(": ") + std::strerror(errno) : "";
    ParseOutcome outcome;
    outcome.errors.push_back({path, 0, 0, "cannot read the configuration file" + reason});
    return outcome;
  }
  return parse(*text, path, reader, services);
}

}  // namespace socks4::conf
