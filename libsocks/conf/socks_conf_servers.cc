// The server-list grammar (see socks_conf_servers.h).
#include "socks4/socks_conf_servers.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cstdio>

namespace socks4::client {
namespace {

constexpr size_t kMaxQuotedBytes = 128;

bool is_printable_ascii(char c) {
  return c >= 0x20 && c < 0x7f;
}

bool is_ipv4_literal(std::string_view text) {
  if (text.empty() || text.size() > 15) return false;
  std::string copy(text);
  in_addr ignored{};
  return inet_pton(AF_INET, copy.c_str(), &ignored) == 1;
}

// "[...]" or an IPv6 literal, with or without a %zone and a port.
bool looks_like_ipv6(std::string_view item) {
  if (item.starts_with('[')) return true;
  std::string address(item.substr(0, item.find('%')));
  in6_addr ignored{};
  return address.size() <= 45 && inet_pton(AF_INET6, address.c_str(), &ignored) == 1;
}

// 1..65535, decimal digits only (no sign, no blanks).
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

// A name a resolver could be asked for: no empty label (leading or doubled dot).
bool is_server_name(std::string_view host) {
  return is_host_name(host) && !host.starts_with('.') && host.find("..") == std::string_view::npos;
}

// One item, blanks already trimmed; an error message when it is malformed.
std::optional<ServerAddress> parse_server(std::string_view item, std::string& error) {
  const std::string shown = quote_for_message(item);
  if (item.empty()) {
    error = "empty server in the list (a stray comma?)";
    return std::nullopt;
  }
  for (char c : item) {
    if (!is_printable_ascii(c)) {
      error = "control or non-ASCII byte in server " + shown;
      return std::nullopt;
    }
  }
  if (looks_like_ipv6(item)) {
    error = "IPv6 server address " + shown +
            ": SOCKS 4 servers are reached over IPv4 (give an IPv4 address or a name)";
    return std::nullopt;
  }
  ServerAddress server;
  std::string_view host = item;
  if (size_t colon = item.find(':'); colon != std::string_view::npos) {
    host = item.substr(0, colon);
    std::optional<uint16_t> port = parse_port(item.substr(colon + 1));
    if (!port) {
      error = "bad port in server " + shown + " (expected host:port, port 1..65535)";
      return std::nullopt;
    }
    server.port = *port;
  }
  if (!is_ipv4_literal(host) && !is_server_name(host)) {
    error = "bad server " + shown + " (expected an IPv4 address or a host name, then :port)";
    return std::nullopt;
  }
  server.host.assign(host);
  return server;
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool is_host_name(std::string_view text) {
  if (text.empty() || text.size() > 255) return false;
  bool has_label_char = false;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      has_label_char = true;
    } else if (c != '.') {
      return false;
    }
  }
  return has_label_char && text.find_first_not_of("0123456789.") != std::string_view::npos;
}

std::string quote_for_message(std::string_view text) {
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMaxQuotedBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!is_printable_ascii(static_cast<char>(c)) || c == '\'' || c == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMaxQuotedBytes) out += "...";
  return out + "'";
}

std::optional<std::vector<ServerAddress>> parse_server_list(std::string_view text,
                                                            std::string* error) {
  std::string message;
  auto fail = [&] {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  if (text.empty()) {
    message = "empty server list";
    return fail();
  }
  std::vector<ServerAddress> out;
  while (true) {
    size_t comma = text.find(',');
    std::optional<ServerAddress> server = parse_server(trim_blanks(text.substr(0, comma)), message);
    if (!server) return fail();
    out.push_back(std::move(*server));
    if (out.size() > kMaxServersPerRule) {
      message = "more than " + std::to_string(kMaxServersPerRule) + " servers";
      return fail();
    }
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace socks4::client
