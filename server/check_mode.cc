#include "check_mode.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "shell_values.h"
#include "socks4/conf_address.h"

namespace sockd {
namespace {

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::optional<uint16_t> parse_port(std::string_view text, socks4::conf::ServiceLookup services) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!text.empty() && ec == std::errc{} && end == text.data() + text.size())
    return value <= 65535 ? std::optional<uint16_t>(static_cast<uint16_t>(value)) : std::nullopt;
  return services(std::string(text));
}

// DESTINATION: ADDRESS, NAME or NAME=ADDRESS. An error text, or "".
std::string parse_destination(std::string_view text, socks4::conf::MatchInput& input) {
  std::string_view name = text, address;
  if (size_t eq = text.find('='); eq != std::string_view::npos) {
    name = text.substr(0, eq);
    address = text.substr(eq + 1);
  } else if (auto ip = socks4::conf::parse_ipv4(text)) {
    if (*ip == 0) return "destination 0.0.0.0 is not a valid request";
    input.destination_ip = *ip;
    return {};
  }
  if (!is_host_name(name) || socks4::conf::parse_ipv4(name))
    return "expected a destination address, host name or NAME=ADDRESS, found '" +
           std::string(text) + "'";
  input.destination_name = std::string(name);
  if (!address.empty() || text.find('=') != std::string_view::npos) {
    auto ip = socks4::conf::parse_ipv4(address);
    if (!ip) return "expected an IPv4 address after '=', found '" + std::string(address) + "'";
    input.destination_ip = *ip;
  }
  return {};
}

const char* mode_name(socks4::conf::IdentdMode mode) {
  return mode == socks4::conf::IdentdMode::kStrict ? "strict" : "loose";
}

}  // namespace

CheckRequestParse parse_check_request(std::string_view text, socks4::conf::ServiceLookup services) {
  auto fail = [](std::string error) { return CheckRequestParse{std::nullopt, std::move(error)}; };
  std::vector<std::string_view> words = split_words(text);
  if (words.size() < 5 || words.size() > 6)
    return fail("expected 'connect|bind USER SOURCE DESTINATION PORT [IDENTD_USER]'");
  socks4::conf::MatchInput input;
  if (words[0] == "connect") {
    input.command = socks4::Command::kConnect;
  } else if (words[0] == "bind") {
    input.command = socks4::Command::kBind;
  } else {
    return fail("expected connect or bind, found '" + std::string(words[0]) + "'");
  }
  if (words[1] != "-") input.user = std::string(words[1]);
  if (input.user.size() > socks4::kMaxUserIdLength) return fail("USER longer than 255 bytes");
  auto source = socks4::conf::parse_ipv4(words[2]);
  if (!source)
    return fail("expected the client's IPv4 address, found '" + std::string(words[2]) + "'");
  input.source_ip = *source;
  if (std::string error = parse_destination(words[3], input); !error.empty()) return fail(error);
  auto port = parse_port(words[4], services);
  if (!port)
    return fail("expected a port number or TCP service name, found '" + std::string(words[4]) +
                "'");
  input.destination_port = *port;
  if (words.size() == 6) input.identd_user = std::string(words[5]);
  return {input, {}};
}

std::string format_check_report(const socks4::conf::Config& config, std::string_view file,
                                const socks4::conf::MatchInput& input, const RuleVerdict& verdict) {
  std::string out;
  if (verdict.rule) {
    out += std::string(file) + ":" + std::to_string(verdict.rule->line) + ": " +
           socks4::conf::to_string(*verdict.rule) + "\n";
    if (verdict.identd_mode != socks4::conf::IdentdMode::kNone) {
      out +=
          std::string("identd: ") + mode_name(verdict.identd_mode) + " (" +
          (input.identd_user.empty() ? "no user from identd" : "identd says " + input.identd_user) +
          ")\n";
    }
  } else {
    out += "no rule matches\n";
  }
  std::string what;
  const std::string& command = command_for(config, verdict, &what);
  if (!command.empty()) {
    const std::string client = socks4::conf::format_ipv4(input.source_ip);
    auto expanded = socks4::expand_shell_template(command, shell_values(input, client));
    out += "command (" + what + "): " + expanded.value_or("(too long, not run)") + "\n";
  }
  switch (verdict.code) {
    case socks4::ReplyCode::kGranted:
      out += "permit\n";
      break;
    case socks4::ReplyCode::kNoIdentd:
      out += "deny (92: no user from identd)\n";
      break;
    case socks4::ReplyCode::kIdentMismatch:
      out += "deny (93: identd reports another user)\n";
      break;
    case socks4::ReplyCode::kRejected:
      out += "deny\n";
      break;
  }
  return out;
}

int run_check_request(const socks4::conf::Config& config, std::string_view file,
                      std::string_view text) {
  CheckRequestParse parsed = parse_check_request(text);
  if (!parsed.input) {
    fprintf(stderr, "sockd: --check-request: %s\n", parsed.error.c_str());
    return 2;
  }
  RuleVerdict verdict = decide(config, *parsed.input, "not given");
  fputs(format_check_report(config, file, *parsed.input, verdict).c_str(), stdout);
  return verdict.permitted() ? 0 : 1;
}

}  // namespace sockd
