#include "check_mode.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "admission.h"
#include "outbound_route.h"
#include "shell_values.h"
#include "socks4/conf_address.h"
#include "socks4/conf_text.h"

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

std::optional<uint16_t> parse_port(std::string_view text, socks4::conf::ServiceLookup services) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!text.empty() && ec == std::errc{} && end == text.data() + text.size())
    return value <= 65535 ? std::optional<uint16_t>(static_cast<uint16_t>(value)) : std::nullopt;
  return services(std::string(text));
}

// At most this many addresses after NAME= (a resolver answer rarely has more).
constexpr size_t kMaxResolvedAddresses = 64;

// DESTINATION: ADDRESS, NAME or NAME=ADDRESS[,ADDRESS...]. An error text, or "".
std::string parse_destination(std::string_view text, CheckRequestParse& parsed) {
  socks4::conf::MatchInput& input = *parsed.input;
  std::string_view name = text, addresses;
  const bool resolved = text.find('=') != std::string_view::npos;
  if (resolved) {
    name = text.substr(0, text.find('='));
    addresses = text.substr(text.find('=') + 1);
  } else if (auto ip = socks4::parse_ip_address(text)) {
    if (*ip == socks4::IpAddress::ipv4(0)) return "destination 0.0.0.0 is not a valid request";
    input.destination = *ip;
    return {};
  }
  if (!socks4::conf::is_host_name(name))
    return "expected a destination address, host name or NAME=ADDRESS, found '" +
           std::string(text) + "'";
  input.destination_name = std::string(name);
  if (!resolved) return {};
  for (std::string_view rest = addresses;;) {
    std::string_view one = rest.substr(0, rest.find(','));
    auto ip = socks4::parse_ip_address(one);
    if (!ip) return "expected an IPv4 or IPv6 address after '=', found '" + std::string(one) + "'";
    if (parsed.resolved.size() == kMaxResolvedAddresses)
      return "more than " + std::to_string(kMaxResolvedAddresses) + " addresses after '='";
    parsed.resolved.push_back(*ip);
    if (one.size() == rest.size()) break;
    rest.remove_prefix(one.size() + 1);
  }
  input.destination = parsed.resolved.front();
  return {};
}

const char* mode_name(socks4::conf::IdentdMode mode) {
  return mode == socks4::conf::IdentdMode::kStrict ? "strict" : "loose";
}

// The report's last line.
const char* verdict_line(socks4::ReplyCode code) {
  switch (code) {
    case socks4::ReplyCode::kGranted:
      return "permit";
    case socks4::ReplyCode::kNoIdentd:
      return "deny (92: no user from identd)";
    case socks4::ReplyCode::kIdentMismatch:
      return "deny (93: identd reports another user)";
    case socks4::ReplyCode::kRejected:
      break;
  }
  return "deny";
}

}  // namespace

CheckRequestParse parse_check_request(std::string_view text, socks4::conf::ServiceLookup services) {
  auto fail = [](std::string error) {
    return CheckRequestParse{std::nullopt, {}, std::move(error)};
  };
  std::vector<std::string_view> words = split_words(text);
  if (words.size() < 5 || words.size() > 6)
    return fail("expected 'connect|bind USER SOURCE DESTINATION PORT [IDENTD_USER]'");
  CheckRequestParse parsed{socks4::conf::MatchInput{}, {}, {}};
  socks4::conf::MatchInput& input = *parsed.input;
  if (words[0] == "connect") {
    input.command = socks4::Command::kConnect;
  } else if (words[0] == "bind") {
    input.command = socks4::Command::kBind;
  } else {
    return fail("expected connect or bind, found '" + std::string(words[0]) + "'");
  }
  if (words[1] != "-") input.user = std::string(words[1]);
  if (input.user.size() > socks4::kMaxUserIdLength) return fail("USER longer than 255 bytes");
  auto source = socks4::parse_ip_address(words[2]);
  if (!source)
    return fail("expected the client's IPv4 or IPv6 address, found '" + std::string(words[2]) +
                "'");
  input.source = *source;
  if (std::string error = parse_destination(words[3], parsed); !error.empty()) return fail(error);
  auto port = parse_port(words[4], services);
  if (!port)
    return fail("expected a port number or TCP service name, found '" + std::string(words[4]) +
                "'");
  input.destination_port = *port;
  if (words.size() == 6) input.identd_user = std::string(words[5]);
  return parsed;
}

std::string format_check_report(const socks4::conf::Config& config, std::string_view file,
                                const socks4::conf::MatchInput& input, const RuleVerdict& verdict) {
  std::string out;
  if (verdict.never_allowed) {
    out += verdict.reason + "\n";
  } else if (verdict.rule) {
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
    const std::string client = input.source.to_string();
    auto expanded = socks4::expand_shell_template(command, shell_values(input, client));
    out += "command (" + what + "): " + expanded.value_or("(too long, not run)") + "\n";
  }
  out += verdict_line(verdict.code);
  out += '\n';
  return out;
}

namespace {

bool routes_outbound(const socks4::conf::Config& config) {
  return config.outbound || !config.settings.next_hop.empty();
}

// The route line (outbound_route.h); 1 when the outbound file would refuse the request.
int print_route(const socks4::conf::Config& config, const socks4::conf::MatchInput& input) {
  const std::string route = describe_route(config, input);
  puts(route.c_str());
  return route.starts_with("route: denied") ? 1 : 0;
}

}  // namespace

int run_check_request(const socks4::conf::Config& config, std::string_view file,
                      std::string_view text) {
  CheckRequestParse parsed = parse_check_request(text);
  if (!parsed.input) {
    fprintf(stderr, "sockd: --check-request: %s\n", parsed.error.c_str());
    return 2;
  }
  socks4::conf::MatchInput& input = *parsed.input;
  if (!input.destination && socks4::conf::rules_look_at_destination_address(config)) {
    fprintf(stderr,
            "sockd: --check-request: %s is checked by its name only (address rules do not match "
            "it); sockd also checks each address it resolves to: give them as "
            "%s=ADDRESS[,ADDRESS...]\n",
            input.destination_name.c_str(), input.destination_name.c_str());
  }
  if (parsed.resolved.size() <= 1) {
    RuleVerdict verdict = decide(config, input, "not given");
    fputs(format_check_report(config, file, input, verdict).c_str(), stdout);
    if (verdict.permitted() && routes_outbound(config)) return print_route(config, input);
    return verdict.permitted() ? 0 : 1;
  }
  // One report per address, then the server's own verdict on them all (admission.h): permitted
  // if one is, else the first denial.
  std::vector<Endpoint> addresses;
  for (const socks4::IpAddress& address : parsed.resolved) {
    input.destination = address;
    RuleVerdict verdict = decide(config, input, "not given");
    printf("%s=%s:\n%s", input.destination_name.c_str(), address.to_string().c_str(),
           format_check_report(config, file, input, verdict).c_str());
    addresses.push_back(Endpoint::from_ip(address, input.destination_port));
  }
  input.destination.reset();
  Admission admission = admit_resolved(config, {input, "not given"}, std::move(addresses), false);
  puts(verdict_line(admission.code));
  if (admission.permitted() && routes_outbound(config)) {
    // sockd routes by the first address it may connect to.
    input.destination = admission.addresses.front().rule_address();
    return print_route(config, input);
  }
  return admission.permitted() ? 0 : 1;
}

}  // namespace sockd
