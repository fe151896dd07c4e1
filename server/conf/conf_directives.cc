#include "conf_directives.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "socks4/conf_address.h"
#include "socks4/socks_conf_servers.h"

namespace socks4::conf {
namespace {

constexpr int kMaxTimeoutSeconds = 2000000;  // about 23 days; milliseconds still fit an int
constexpr int kMaxThreads = 256;
constexpr int kMaxConnectionsLimit = 10000000;

constexpr std::array<const char*, 20> kDirectives{"listen",
                                                  "timeout",
                                                  "identd",
                                                  "log",
                                                  "log_format",
                                                  "user",
                                                  "threads",
                                                  "resolv_conf",
                                                  "hosts_file",
                                                  "max_connections",
                                                  "bind_requires_connect",
                                                  "max_connections_per_source",
                                                  "max_negotiations_per_source",
                                                  "max_binds_per_connection",
                                                  "max_binds_per_source",
                                                  "proxy_from",
                                                  "next_hop",
                                                  "outbound",
                                                  "stats",
                                                  "stats_allow"};

constexpr std::array<const char*, 20> kFacilities{
    "auth",   "authpriv", "cron",   "daemon", "ftp", "kern", "local0", "local1", "local2", "local3",
    "local4", "local5",   "local6", "local7", "lpr", "mail", "news",   "syslog", "user",   "uucp"};

std::optional<int> parse_count(std::string_view text, int max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// Reads an integer in [min, max]; `what` describes it for the message.
std::optional<LineError> take_number(TokenCursor& cursor, int min, int max, std::string_view what,
                                     int& out) {
  auto value = cursor.at_end() ? std::nullopt : parse_count(cursor.peek().text, max);
  if (!value || *value < min) {
    return expected(cursor, std::string(what) + " (a whole number from " + std::to_string(min) +
                                " to " + std::to_string(max) + ")");
  }
  out = *value;
  cursor.take();
  return std::nullopt;
}

bool is_valid_ip(int family, const std::string& text) {
  unsigned char buffer[16];
  return inet_pton(family, text.c_str(), buffer) == 1;
}

std::optional<LineError> parse_listen(TokenCursor& cursor, ServerSettings& settings) {
  if (cursor.at_end()) return expected(cursor, "a listen address like 127.0.0.1:1080");
  ListenAddress address;
  if (auto problem = parse_listen_address(cursor.peek().text, address)) {
    return expected(cursor, *problem);
  }
  cursor.take();
  if (!cursor.at_end()) {
    if (!equals_ignore_case(cursor.peek().text, "proxy_protocol"))
      return expected(cursor, "proxy_protocol or end of line after the listen address");
    address.proxy_protocol = true;
    cursor.take();
  }
  settings.listen.push_back(address);
  return std::nullopt;
}

// One or more "a.b.c.d/N" or "[IPV6]/N" into `masks`; `what` names them in an error.
std::optional<LineError> parse_cidr_list(TokenCursor& cursor, const std::string& what,
                                         std::vector<AddressMask>& masks) {
  if (cursor.at_end()) return expected(cursor, what + " as CIDR (10.0.0.0/8)");
  while (!cursor.at_end()) {
    std::string_view text = cursor.peek().text;
    std::optional<AddressMask> mask;
    if (text.starts_with('[')) {
      Ipv6Prefix prefix = parse_ipv6_prefix(text);
      if (!prefix.value) return expected(cursor, prefix.error);
      mask = prefix.value;
    } else {
      mask = parse_cidr(text);
    }
    if (!mask) return expected(cursor, "a CIDR address like 10.0.0.0/8 or [2001:db8::]/32");
    masks.push_back(*mask);
    cursor.take();
  }
  return std::nullopt;
}

// `stats ADDR:PORT`: the port is required (no default a scraper could guess wrong).
std::optional<LineError> parse_stats(TokenCursor& cursor, ServerSettings& settings) {
  const std::string_view text = cursor.at_end() ? "" : cursor.peek().text;
  const bool has_port = text.starts_with('[') ? text.find("]:") != std::string_view::npos
                                              : std::count(text.begin(), text.end(), ':') == 1;
  ListenAddress address;
  if (!has_port || parse_listen_address(text, address))
    return expected(cursor, "a stats address with its port, like 127.0.0.1:9101 or [::1]:9101");
  cursor.take();
  settings.stats.push_back(address);
  return std::nullopt;
}

std::optional<LineError> parse_timeout(TokenCursor& cursor, ServerSettings& settings,
                                       std::string& key) {
  int* target = nullptr;
  int min = 1;
  if (!cursor.at_end()) {
    std::string_view which = cursor.peek().text;
    if (equals_ignore_case(which, "negotiate")) target = &settings.negotiate_timeout_s;
    if (equals_ignore_case(which, "connect")) target = &settings.connect_timeout_s;
    if (equals_ignore_case(which, "identd")) target = &settings.identd_timeout_s;
    if (equals_ignore_case(which, "shell")) target = &settings.shell_timeout_s;
    if (equals_ignore_case(which, "idle")) {
      target = &settings.idle_timeout_s;
      min = 0;  // 0: never close an idle relay
    }
  }
  if (!target) return expected(cursor, "negotiate, connect, idle, identd or shell after timeout");
  key += " " + to_lower(cursor.take().text);
  return take_number(cursor, min, kMaxTimeoutSeconds, "seconds", *target);
}

std::optional<LineError> parse_identd(TokenCursor& cursor, ServerSettings& settings) {
  std::string_view mode = cursor.at_end() ? "" : cursor.peek().text;
  if (equals_ignore_case(mode, "none")) {
    settings.identd = IdentdMode::kNone;
  } else if (equals_ignore_case(mode, "loose")) {
    settings.identd = IdentdMode::kLoose;
  } else if (equals_ignore_case(mode, "strict")) {
    settings.identd = IdentdMode::kStrict;
  } else {
    return expected(cursor, "none, loose or strict after identd");
  }
  cursor.take();
  return std::nullopt;
}

std::optional<LineError> parse_path(TokenCursor& cursor, std::string& out) {
  if (cursor.at_end() || cursor.peek().text.front() != '/') {
    return expected(cursor, "an absolute path");
  }
  out = std::string(cursor.take().text);
  return std::nullopt;
}

std::optional<LineError> parse_log(TokenCursor& cursor, ServerSettings& settings) {
  std::string_view target = cursor.at_end() ? "" : cursor.peek().text;
  if (equals_ignore_case(target, "stderr")) {
    settings.log = LogTarget::kStderr;
    cursor.take();
    return std::nullopt;
  }
  if (target.starts_with('/')) {
    settings.log = LogTarget::kFile;
    return parse_path(cursor, settings.log_file);
  }
  if (!equals_ignore_case(target, "syslog"))
    return expected(cursor, "stderr, syslog or an absolute path after log");
  settings.log = LogTarget::kSyslog;
  cursor.take();
  if (cursor.at_end()) return std::nullopt;
  for (const char* facility : kFacilities) {
    if (equals_ignore_case(cursor.peek().text, facility)) {
      settings.syslog_facility = facility;
      cursor.take();
      return std::nullopt;
    }
  }
  return expected(cursor, "a syslog facility (daemon, auth, authpriv, local0..local7, ...)");
}

bool is_user_name(std::string_view name) {
  if (name.empty() || name.size() > 32 || name.front() == '-') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '$';
    if (!ok) return false;
  }
  return true;
}

std::optional<LineError> parse_log_format(TokenCursor& cursor, ServerSettings& settings) {
  std::string_view word = cursor.at_end() ? "" : cursor.peek().text;
  if (equals_ignore_case(word, "text")) {
    settings.log_format = LogFormat::kText;
  } else if (equals_ignore_case(word, "json")) {
    settings.log_format = LogFormat::kJson;
  } else {
    return expected(cursor, "text or json after log_format");
  }
  cursor.take();
  return std::nullopt;
}

std::optional<LineError> parse_user(TokenCursor& cursor, ServerSettings& settings) {
  if (cursor.at_end() || !is_user_name(cursor.peek().text)) {
    return expected(cursor, "a user name to run as");
  }
  settings.user = std::string(cursor.take().text);
  return std::nullopt;
}

std::optional<LineError> parse_yes_no(TokenCursor& cursor, std::string_view name, bool& out) {
  std::string_view word = cursor.at_end() ? "" : cursor.peek().text;
  if (equals_ignore_case(word, "yes")) {
    out = true;
  } else if (equals_ignore_case(word, "no")) {
    out = false;
  } else {
    return expected(cursor, "yes or no after " + std::string(name));
  }
  cursor.take();
  return std::nullopt;
}

// A per-source limit: a count, or `auto` (kAutoLimit: sockd derives it from its descriptor limit).
std::optional<LineError> parse_limit_or_auto(TokenCursor& cursor, int& out) {
  if (!cursor.at_end() && equals_ignore_case(cursor.peek().text, "auto")) {
    out = kAutoLimit;
    cursor.take();
    return std::nullopt;
  }
  auto value =
      cursor.at_end() ? std::nullopt : parse_count(cursor.peek().text, kMaxConnectionsLimit);
  if (!value) {
    return expected(cursor, "a connection count (a whole number from 0 to " +
                                std::to_string(kMaxConnectionsLimit) + ") or auto");
  }
  out = *value;
  cursor.take();
  return std::nullopt;
}

// next_hop HOST:PORT[,HOST:PORT...]: the client library's server-list grammar (blanks around
// items allowed), every host an IPv4 literal: sockd resolves no names for its own hops.
std::optional<LineError> parse_next_hop(TokenCursor& cursor, ServerSettings& settings) {
  if (cursor.at_end()) return expected(cursor, "a server list like 192.0.2.1:1080,192.0.2.2:1080");
  const int column = cursor.column();
  std::string text;
  while (!cursor.at_end()) text += std::string(cursor.take().text) + " ";
  std::string error;
  auto servers = socks4::client::parse_server_list(text, &error);
  if (!servers) return LineError{column, "bad next_hop list: " + error};
  for (const auto& server : *servers) {
    if (!parse_ipv4(server.host)) {
      return LineError{column, "next_hop needs an IPv4 address, found " +
                                   socks4::client::quote_for_message(server.host)};
    }
  }
  settings.next_hop = std::move(*servers);
  return std::nullopt;
}

std::optional<LineError> parse_value(std::string_view name, TokenCursor& cursor,
                                     ServerSettings& settings, std::string& key) {
  if (name == "listen") return parse_listen(cursor, settings);
  if (name == "proxy_from")
    return parse_cidr_list(cursor, "a load balancer's address", settings.proxy_from);
  if (name == "timeout") return parse_timeout(cursor, settings, key);
  if (name == "stats") return parse_stats(cursor, settings);
  if (name == "stats_allow")
    return parse_cidr_list(cursor, "the addresses that may read stats", settings.stats_allow);
  if (name == "identd") return parse_identd(cursor, settings);
  if (name == "log") return parse_log(cursor, settings);
  if (name == "log_format") return parse_log_format(cursor, settings);
  if (name == "user") return parse_user(cursor, settings);
  if (name == "threads")
    return take_number(cursor, 0, kMaxThreads, "a thread count", settings.threads);
  if (name == "resolv_conf") return parse_path(cursor, settings.resolv_conf);
  if (name == "hosts_file") return parse_path(cursor, settings.hosts_file);
  if (name == "bind_requires_connect")
    return parse_yes_no(cursor, name, settings.bind_requires_connect);
  if (name == "max_connections_per_source")
    return parse_limit_or_auto(cursor, settings.max_connections_per_source);
  if (name == "max_negotiations_per_source")
    return parse_limit_or_auto(cursor, settings.max_negotiations_per_source);
  if (name == "max_binds_per_connection")
    return take_number(cursor, 0, kMaxConnectionsLimit, "a BIND count",
                       settings.max_binds_per_connection);
  if (name == "next_hop") return parse_next_hop(cursor, settings);
  if (name == "outbound") return parse_path(cursor, settings.outbound_file);
  if (name == "max_binds_per_source")
    return take_number(cursor, 0, kMaxConnectionsLimit, "a BIND count",
                       settings.max_binds_per_source);
  return take_number(cursor, 0, kMaxConnectionsLimit, "a connection count",
                     settings.max_connections);
}

}  // namespace

bool is_directive(std::string_view word) {
  for (const char* name : kDirectives) {
    if (equals_ignore_case(word, name)) return true;
  }
  return false;
}

std::string directive_names() {
  std::string names;
  for (const char* name : kDirectives) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

std::optional<std::string> parse_listen_address(std::string_view text, ListenAddress& out) {
  std::string host;
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "an IPv6 address closed by ']'";
    host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "':PORT' after ']'";
      port_text = rest.substr(1);
      has_port = true;
    }
    if (!is_valid_ip(AF_INET6, host)) return "an IPv6 address inside [ ]";
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    host = std::string(text);  // a bare IPv6 address: no port possible
    if (!is_valid_ip(AF_INET6, host)) return "an IPv6 address (write [ADDR]:PORT to add a port)";
  } else {
    size_t colon = text.find(':');
    host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (!parse_ipv4(host))
      return "a numeric listen address like 127.0.0.1, 127.0.0.1:1080 or [::1]:1080";
  }
  out.host = host;
  out.port = 1080;
  if (has_port) {
    auto port = parse_count(port_text, 65535);
    if (!port) return "a port from 0 to 65535 after ':'";
    out.port = static_cast<uint16_t>(*port);
  }
  return std::nullopt;
}

std::optional<LineError> parse_directive(TokenCursor& cursor, int line, DirectivesSeen& seen,
                                         ServerSettings& settings) {
  const Token keyword = cursor.take();
  std::string name = to_lower(keyword.text);
  std::string key = name;
  if (auto error = parse_value(name, cursor, settings, key)) return error;
  if (!cursor.at_end()) return expected(cursor, "end of line after the " + name + " directive");
  if (name != "listen" && name != "proxy_from" && name != "stats" && name != "stats_allow") {
    auto [it, inserted] = seen.emplace(key, line);
    if (!inserted) {
      return LineError{keyword.column,
                       key + " given twice (first on line " + std::to_string(it->second) + ")"};
    }
  }
  return std::nullopt;
}

}  // namespace socks4::conf
