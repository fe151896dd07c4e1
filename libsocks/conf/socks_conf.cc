// socks.conf grammar: text to RoutingConfig, with FILE:LINE:COLUMN diagnostics.
#include "socks4/socks_conf.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace socks4::client {
namespace {

struct Token {
  std::string_view text;
  int column = 0;  // 1-based
};

// One line split into fields; a field starting with ':' begins the shell command, which runs to
// the end of the line, and '#' outside the shell command starts a comment.
struct SplitLine {
  std::vector<Token> tokens;
  std::string shell_command;
  bool has_shell_command = false;
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

SplitLine split_line(std::string_view line) {
  SplitLine out;
  size_t i = 0;
  while (i < line.size()) {
    if (is_blank(line[i])) {
      ++i;
      continue;
    }
    if (line[i] == '#') break;
    if (line[i] == ':') {
      std::string_view rest = line.substr(i + 1);
      while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
      while (!rest.empty() && is_blank(rest.back())) rest.remove_suffix(1);
      out.shell_command.assign(rest);
      out.has_shell_command = true;
      break;
    }
    size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    out.tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return out;
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::string copy(text);
  in_addr addr{};
  if (inet_pton(AF_INET, copy.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

template <typename Int>
std::optional<Int> parse_number(std::string_view text) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<PortOp> parse_port_op(std::string_view text) {
  if (text == "eq") return PortOp::kEq;
  if (text == "neq") return PortOp::kNeq;
  if (text == "lt") return PortOp::kLt;
  if (text == "gt") return PortOp::kGt;
  if (text == "le") return PortOp::kLe;
  if (text == "ge") return PortOp::kGe;
  return std::nullopt;
}

class Parser {
 public:
  Parser(std::string_view file, ConfFileReader reader, ServiceLookup services)
      : file_(file), reader_(reader), services_(services) {}

  ConfParse run(std::string_view text) {
    int line_number = 0;
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      ++line_number;
      if (line.size() > kMaxConfLineLength) {
        error(line_number, 1, "line longer than " + std::to_string(kMaxConfLineLength) + " bytes");
        continue;
      }
      parse_line(line, line_number);
    }
    ConfParse out;
    if (errors_.empty()) out.config = std::move(config_);
    out.errors = std::move(errors_);
    return out;
  }

 private:
  void error(int line, int column, std::string message) {
    if (errors_.size() < kMaxConfDiagnostics) {
      errors_.push_back({std::string(file_), line, column, std::move(message)});
    }
  }

  void parse_line(std::string_view line, int line_number) {
    SplitLine split = split_line(line);
    if (split.tokens.empty()) {
      if (split.has_shell_command) error(line_number, 1, "shell command without a rule");
      return;
    }
    if (config_.rules.size() >= kMaxConfRules) {
      error(line_number, 1, "more than " + std::to_string(kMaxConfRules) + " rules");
      return;
    }
    RoutingRule rule;
    rule.line = line_number;
    rule.shell_command = std::move(split.shell_command);
    if (split.has_shell_command && rule.shell_command.empty()) {
      error(line_number, static_cast<int>(line.find(':')) + 1, "empty shell command after ':'");
      return;
    }
    if (parse_fields(split.tokens, line_number, rule)) config_.rules.push_back(std::move(rule));
  }

  bool parse_fields(const std::vector<Token>& tokens, int line_number, RoutingRule& rule) {
    size_t i = 0;
    const Token& action = tokens[i++];
    if (action.text == "deny") {
      rule.action = RouteAction::kDeny;
    } else if (action.text == "direct") {
      rule.action = RouteAction::kDirect;
    } else if (action.text == "sockd") {
      rule.action = RouteAction::kSockd;
    } else {
      error(line_number, action.column,
            "expected deny, direct or sockd, found '" + std::string(action.text) + "'");
      return false;
    }
    bool have_servers = false, have_users = false;
    while (i < tokens.size()) {
      const Token& t = tokens[i];
      if (t.text.starts_with("@=")) {
        if (rule.action != RouteAction::kSockd) {
          error(line_number, t.column, "@= server list is only allowed on sockd lines");
          return false;
        }
        if (have_servers) return duplicate(line_number, t, "@=");
        have_servers = true;
        if (!parse_servers(t, line_number, rule)) return false;
      } else if (t.text.starts_with("*=")) {
        if (have_users) return duplicate(line_number, t, "*=");
        have_users = true;
        if (!parse_users(t, line_number, rule)) return false;
      } else {
        break;
      }
      ++i;
    }
    if (!parse_destination(tokens, i, line_number, rule)) return false;
    if (!parse_port(tokens, i, line_number, rule)) return false;
    if (i < tokens.size()) {
      error(line_number, tokens[i].column,
            "unexpected '" + std::string(tokens[i].text) + "' (a shell command starts with ':')");
      return false;
    }
    return true;
  }

  bool duplicate(int line_number, const Token& t, const char* what) {
    error(line_number, t.column, std::string("second ") + what + " list on one line");
    return false;
  }

  bool parse_servers(const Token& t, int line_number, RoutingRule& rule) {
    std::string_view list = t.text.substr(2);
    if (list.empty()) return true;  // empty @= means the default servers
    std::string message;
    auto servers = parse_server_list(list, &message);
    if (!servers) {
      error(line_number, t.column + 2, message);
      return false;
    }
    rule.servers = std::move(*servers);
    return true;
  }

  bool parse_users(const Token& t, int line_number, RoutingRule& rule) {
    std::string_view list = t.text.substr(2);
    int column = t.column + 2;
    if (list.empty()) {
      error(line_number, column, "empty *= user list");
      return false;
    }
    while (true) {
      size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      if (item.empty()) {
        error(line_number, column, "empty name in *= user list");
        return false;
      }
      if (item.front() == '/') {
        if (!add_user_file(std::string(item), line_number, column, rule)) return false;
      } else {
        rule.users.emplace_back(item);
      }
      if (rule.users.size() > kMaxUsersPerRule) {
        error(line_number, column, "more than " + std::to_string(kMaxUsersPerRule) + " users");
        return false;
      }
      if (comma == std::string_view::npos) return true;
      list.remove_prefix(comma + 1);
      column += static_cast<int>(comma) + 1;
    }
  }

  // User files hold names separated by blanks, tabs, commas and newlines; '#' starts a comment.
  bool add_user_file(const std::string& path, int line_number, int column, RoutingRule& rule) {
    std::optional<std::string> content = reader_(path);
    if (!content) {
      error(line_number, column, "cannot read user list file " + path);
      return false;
    }
    std::string_view rest(*content);
    std::string name;
    bool in_comment = false;
    for (char c : rest) {
      if (c == '\n') in_comment = false;
      bool separator = c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r' || c == '#';
      if (c == '#') in_comment = true;
      if (separator || in_comment) {
        if (!name.empty()) rule.users.push_back(std::exchange(name, {}));
      } else {
        name.push_back(c);
      }
    }
    if (!name.empty()) rule.users.push_back(std::move(name));
    return true;
  }

  bool parse_destination(const std::vector<Token>& tokens, size_t& i, int line_number,
                         RoutingRule& rule) {
    if (i >= tokens.size()) {
      int column = tokens.back().column + static_cast<int>(tokens.back().text.size());
      error(line_number, column, "missing destination (dst_addr dst_mask, CIDR or name)");
      return false;
    }
    const Token& t = tokens[i++];
    if (size_t slash = t.text.find('/'); slash != std::string_view::npos) {
      auto address = parse_ipv4(t.text.substr(0, slash));
      auto bits = parse_number<unsigned>(t.text.substr(slash + 1));
      if (!address || !bits || *bits > 32) {
        error(line_number, t.column,
              "bad CIDR '" + std::string(t.text) + "' (expected a.b.c.d/0..32)");
        return false;
      }
      rule.address = *address;
      rule.mask = *bits == 0 ? 0 : ~uint32_t{0} << (32 - *bits);
      return true;
    }
    if (auto address = parse_ipv4(t.text)) {
      rule.address = *address;
      std::optional<uint32_t> mask =
          i < tokens.size() ? parse_ipv4(tokens[i].text) : std::optional<uint32_t>();
      if (!mask) {
        int column =
            i < tokens.size() ? tokens[i].column : t.column + static_cast<int>(t.text.size());
        error(line_number, column, "expected dst_mask (a.b.c.d) after dst_addr");
        return false;
      }
      rule.mask = *mask;
      ++i;
      return true;
    }
    if (is_host_name(t.text) && t.text != ".") {
      rule.name = lower(t.text);
      if (i < tokens.size() && parse_ipv4(tokens[i].text)) ++i;  // an old-style mask: ignored
      return true;
    }
    error(
        line_number, t.column,
        "bad destination '" + std::string(t.text) + "' (expected dst_addr dst_mask, CIDR or name)");
    return false;
  }

  bool parse_port(const std::vector<Token>& tokens, size_t& i, int line_number, RoutingRule& rule) {
    if (i >= tokens.size()) return true;
    auto op = parse_port_op(tokens[i].text);
    if (!op) return true;  // not a port clause; the caller reports the leftover token
    const Token& op_token = tokens[i++];
    if (i >= tokens.size()) {
      error(line_number, op_token.column + static_cast<int>(op_token.text.size()),
            "missing port after '" + std::string(op_token.text) + "'");
      return false;
    }
    const Token& port = tokens[i++];
    std::optional<uint16_t> value = parse_number<uint16_t>(port.text);
    if (!value && !port.text.empty() && !std::isdigit(static_cast<unsigned char>(port.text[0]))) {
      value = services_(std::string(port.text));
    }
    if (!value) {
      error(line_number, port.column,
            "bad port '" + std::string(port.text) + "' (0..65535 or a tcp service name)");
      return false;
    }
    rule.port_op = *op;
    rule.port = *value;
    return true;
  }

  std::string_view file_;
  ConfFileReader reader_;
  ServiceLookup services_;
  RoutingConfig config_;
  std::vector<ConfDiagnostic> errors_;
};

}  // namespace

std::string ConfDiagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ConfParse parse_socks_conf(std::string_view text, std::string_view file_name, ConfFileReader reader,
                           ServiceLookup services) {
  return Parser(file_name, reader, services).run(text);
}

}  // namespace socks4::client
