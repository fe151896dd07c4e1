// libFuzzer target for the sockd.conf parser: parsing never crashes, a config is returned
// exactly when there is no diagnostic, and every rule of a successful parse, written back with
// to_string(Rule), parses again to the same rule and writes back to the same text. The rules
// are also matched against a request made from the input (IPv4 or IPv6), to run the matcher
// over odd rules.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "../../server/conf/sockd_conf.h"
#include "fuzz_check.h"

namespace {

namespace conf = socks4::conf;

// Pure stand-ins for the file system and /etc/services, so a run depends only on its input.
std::optional<std::string> fake_user_file(const std::string& path) {
  if (path.find("missing") != std::string::npos) return std::nullopt;
  return "alice bob # the team\ncarol\r\n";
}

std::optional<uint16_t> fake_services(const std::string& name) {
  if (name == "telnet") return 23;
  if (name == "http") return 80;
  if (name == "ftp") return 21;
  return std::nullopt;
}

bool same_rule(const conf::Rule& a, const conf::Rule& b) {
  if (a.destination.has_value() != b.destination.has_value()) return false;
  if (a.destination && (a.destination->name != b.destination->name ||
                        a.destination->address != b.destination->address))
    return false;
  return a.action == b.action && a.command == b.command && a.identd == b.identd &&
         a.users == b.users && a.source == b.source && a.port_op == b.port_op && a.port == b.port &&
         a.shell_command == b.shell_command;
}

uint32_t load32(std::string_view text, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v = v << 8 | (at + i < text.size() ? static_cast<uint8_t>(text[at + i]) : 0);
  return v;
}

// An IPv4 or (normalised) IPv6 address from the input's bytes at `at`.
socks4::IpAddress load_address(std::string_view text, size_t at, bool ipv6) {
  if (!ipv6) return socks4::IpAddress::ipv4(load32(text, at));
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = at + i < text.size() ? static_cast<uint8_t>(text[at + i]) : 0;
  return socks4::IpAddress::ipv6(bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);
  const conf::ParseOutcome outcome =
      conf::parse(text, "fuzz.conf", &fake_user_file, &fake_services);
  FUZZ_CHECK(outcome.config.has_value() == outcome.errors.empty());
  for (size_t i = 0; i < outcome.errors.size(); ++i) {
    const auto& error = outcome.errors[i];
    // Each diagnostic points into the file, except a closing "N more errors not shown" (line 0).
    const bool closing_summary = i + 1 == outcome.errors.size() && i == conf::kMaxDiagnostics &&
                                 error.line == 0 && error.column == 0;
    FUZZ_CHECK(closing_summary || (error.line >= 1 && error.column >= 1));
    FUZZ_CHECK(!error.to_string().empty());
  }
  FUZZ_CHECK(outcome.errors.size() <= conf::kMaxDiagnostics + 1);
  if (!outcome.config) return 0;

  const conf::Config& config = *outcome.config;
  FUZZ_CHECK(config.rules.size() <= conf::kMaxRules);
  std::string rewritten;
  for (const conf::Rule& rule : config.rules) rewritten += conf::to_string(rule, SIZE_MAX) + "\n";
  const conf::ParseOutcome again =
      conf::parse(rewritten, "rewritten.conf", &fake_user_file, &fake_services);
  if (!again.config) {
    std::fprintf(stderr, "rewritten rules do not parse:\n%s%s\n", rewritten.c_str(),
                 again.errors.front().to_string().c_str());
  }
  FUZZ_CHECK(again.config.has_value());
  FUZZ_CHECK(again.config->rules.size() == config.rules.size());
  for (size_t i = 0; i < config.rules.size(); ++i) {
    if (!same_rule(config.rules[i], again.config->rules[i])) {
      std::fprintf(stderr, "rule %zu changed when rewritten:\n%s\n%s\n", i,
                   conf::to_string(config.rules[i], SIZE_MAX).c_str(),
                   conf::to_string(again.config->rules[i], SIZE_MAX).c_str());
    }
    FUZZ_CHECK(same_rule(config.rules[i], again.config->rules[i]));
    // And the canonical text is a fixed point: written again, it is the same text.
    FUZZ_CHECK(conf::to_string(again.config->rules[i], SIZE_MAX) ==
               conf::to_string(config.rules[i], SIZE_MAX));
  }

  conf::MatchInput input;
  input.command = size % 2 ? socks4::Command::kConnect : socks4::Command::kBind;
  input.source = load_address(text, 0, size % 3 == 0);
  if (size % 5 != 0) input.destination = load_address(text, 4, size % 3 == 1);
  input.destination_port = static_cast<uint16_t>(load32(text, 8));
  input.destination_name = std::string(text.substr(0, std::min<size_t>(size, 12)));
  input.user = "alice";
  const conf::Rule* matched = conf::match(config, input);
  FUZZ_CHECK(!matched || (matched >= config.rules.data() &&
                          matched < config.rules.data() + config.rules.size()));
  return 0;
}
