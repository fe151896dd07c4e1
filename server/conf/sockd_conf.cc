// sockd.conf: the line loop. Each line is a comment, a #NO_IDENTD:/#BAD_ID: command, a
// permit/deny rule or a directive; every bad line yields one diagnostic and parsing goes on,
// so an administrator sees all mistakes at once.
#include "sockd_conf.h"

#include <cerrno>
#include <cstring>

#include "conf_directives.h"
#include "conf_rule.h"
#include "socks4/conf_address.h"
#include "socks4/conf_lexer.h"
#include "socks4/socks_conf.h"

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
    LineReader lines(text);
    for (std::string_view line; lines.next(line);) {
      const size_t listeners = config_.settings.listen.size();
      if (auto error = parse_line(line, lines.number())) report(lines.number(), *error);
      if (config_.settings.listen.size() > listeners &&
          config_.settings.listen.back().proxy_protocol && proxy_listen_line_ == 0) {
        proxy_listen_line_ = lines.number();
        proxy_listen_column_ = static_cast<int>(line.find_first_not_of(" \t")) + 1;
      }
    }
    // Believing a PROXY header from anyone would let any client choose its address.
    if (proxy_listen_line_ != 0 && config_.settings.proxy_from.empty()) {
      report(proxy_listen_line_,
             {proxy_listen_column_,
              "listen ... proxy_protocol needs proxy_from (the load balancers' addresses)"});
    }
    if (!config_.settings.outbound_file.empty()) load_outbound();
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
    if (auto error = check_line(line, kMaxLineLength)) return error;
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

  // "permit|deny ... [: shell_cmd]".
  std::optional<LineError> parse_rule_line(std::string_view code, int line_number) {
    const ShellTail tail = split_shell_tail(code);
    if (auto error = check_shell_tail(tail)) return error;
    Rule rule;
    rule.line = line_number;
    rule.shell_command = std::string(tail.command);
    TokenCursor cursor(split_tokens(tail.words), end_column(tail.words));
    if (auto error = parse_rule(cursor, rule_context_, rule)) return error;
    if (config_.rules.size() >= kMaxRules) {
      return LineError{1, "too many rules (the limit is " + std::to_string(kMaxRules) + ")"};
    }
    config_.rules.push_back(std::move(rule));
    return std::nullopt;
  }

  // `outbound FILE`: read and parsed now, so a bad file is a config error (at its FILE:LINE)
  // when sockd starts, on SIGHUP and in check mode alike.
  void load_outbound() {
    const std::string& path = config_.settings.outbound_file;
    const int line = directives_seen_.count("outbound") ? directives_seen_.at("outbound") : 0;
    errno = 0;
    std::optional<std::string> text =
        rule_context_.reader ? rule_context_.reader(path) : std::nullopt;
    if (!text) {
      std::string reason = errno != 0 ? ": " + read_error_text(errno) : "";
      report(line, LineError{1, "cannot read the outbound file " + path + reason});
      return;
    }
    client::ConfParse parsed =
        client::parse_socks_conf(*text, path, rule_context_.reader, rule_context_.services);
    for (auto& error : parsed.errors) errors_.push_back(std::move(error));
    if (!parsed.config) return;
    for (const client::RoutingRule& rule : parsed.config->rules) {
      // sockd runs no commands for its own connections, and resolves no names for its hops.
      if (!rule.shell_command.empty()) {
        errors_.push_back({path, rule.line, 1, "sockd runs no shell command of an outbound line"});
      }
      for (const client::ServerAddress& server : rule.servers) {
        if (!parse_ipv4(server.host)) {
          errors_.push_back({path, rule.line, 1,
                             "sockd needs an IPv4 address in @=, found " +
                                 client::quote_for_message(server.host)});
        }
      }
    }
    config_.outbound = std::move(parsed.config);
  }

  void report(int line_number, const LineError& error) {
    if (!add_diagnostic(errors_, kMaxDiagnostics, file_name_, line_number, error)) ++suppressed_;
  }

  std::string_view file_name_;
  RuleSyntaxContext rule_context_;
  Config config_;
  DirectivesSeen directives_seen_;
  int proxy_listen_line_ = 0;  // the first `listen ... proxy_protocol`
  int proxy_listen_column_ = 0;
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

std::optional<std::string> read_file(const std::string& path) {
  return read_bounded_file(path, kMaxFileBytes);
}

ParseOutcome parse(std::string_view text, std::string_view file_name, FileReader reader,
                   ServiceLookup services) {
  return ConfigParser(file_name, reader, services).run(text);
}

ParseOutcome parse_file(const std::string& path, FileReader reader, ServiceLookup services) {
  errno = 0;
  std::optional<std::string> text = reader ? reader(path) : std::nullopt;
  if (!text) {
    std::string reason = errno != 0 ? ": " + read_error_text(errno) : "";
    ParseOutcome outcome;
    outcome.errors.push_back({path, 0, 0, "cannot read the configuration file" + reason});
    return outcome;
  }
  return parse(*text, path, reader, services);
}

}  // namespace socks4::conf
