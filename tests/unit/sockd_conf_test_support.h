// Shared fakes for the sockd.conf tests: an in-memory file system for *= /path lists and a
// fixed services table, so the tests never depend on the machine's files.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "../../server/conf/sockd_conf.h"

namespace socks4::conf::testing {

inline std::map<std::string, std::string>& fake_files() {
  static std::map<std::string, std::string> files;
  return files;
}

inline std::optional<std::string> fake_read(const std::string& path) {
  auto it = fake_files().find(path);
  if (it == fake_files().end()) return std::nullopt;
  return it->second;
}

inline std::optional<uint16_t> fake_services(const std::string& name) {
  if (name == "telnet") return 23;
  if (name == "http") return 80;
  if (name == "ftp") return 21;
  if (name == "smtp") return 25;
  return std::nullopt;
}

inline ParseOutcome parse_text(const std::string& text) {
  return parse(text, "sockd.conf", &fake_read, &fake_services);
}

// All diagnostics, one per line, for readable failure output.
inline std::string joined_errors(const ParseOutcome& outcome) {
  std::string out;
  for (const auto& error : outcome.errors) out += error.to_string() + "\n";
  return out;
}

// A config that must not parse, and a piece of the diagnostic it must give.
struct RejectedLine {
  const char* text;
  const char* error;
};

// Expects each text to be refused with a diagnostic containing its error piece.
inline void expect_rejected(std::initializer_list<RejectedLine> cases) {
  for (const RejectedLine& c : cases) {
    ParseOutcome outcome = parse_text(c.text);
    EXPECT_FALSE(outcome.config) << c.text;
    EXPECT_NE(joined_errors(outcome).find(c.error), std::string::npos)
        << c.text << joined_errors(outcome);
  }
}

inline constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return a << 24 | b << 16 | c << 8 | d;
}

}  // namespace socks4::conf::testing
