// A small reference model of how sockd decides a request (sockd.conf(5), "HOW A REQUEST IS
// MATCHED"), written apart from sockd's own matcher so a differential test can hold the two against
// each other. It knows only what a random rule set needs: addresses (IPv4 with any mask, IPv6
// prefixes), names and .suffixes, port operators, *= users, connect/bind; no identd, no shell
// commands.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace socks4::test::model {

// A normalised address: ::ffff:a.b.c.d is a.b.c.d, ::1 is 127.0.0.1, :: is 0.0.0.0.
struct Address {
  bool is_v6 = false;
  uint32_t v4 = 0;               // host byte order, when !is_v6
  std::array<uint8_t, 16> v6{};  // when is_v6

  friend bool operator==(const Address&, const Address&) = default;
};

// An IPv4 or IPv6 literal (IPv6 without brackets), normalised; nullopt if it is neither.
std::optional<Address> parse_address(const std::string& text);
// Never a destination, whatever the rules: 0.0.0.0/8, 224.0.0.0/4, 255.255.255.255, ff00::/8.
bool never_allowed(const Address& address);

// A rule's address: IPv4 (ip & mask) or an IPv6 prefix.
struct AddressSpec {
  bool is_v6 = false;
  uint32_t ip = 0, mask = 0;  // IPv4, host byte order
  std::array<uint8_t, 16> prefix{};
  int length = 0;    // IPv6 prefix length
  std::string text;  // as the config says it ("10.0.0.0 255.0.0.0", "[2001:db8::]/32")
};
// An IPv4 rule address matches only IPv4 addresses and an IPv6 one only IPv6, except that an
// IPv4 mask of 0 ("0.0.0.0/0", "1.2.3.4 0.0.0.0") matches every address, IPv6 included, and an
// unresolved 4a name too.
bool matches(const AddressSpec& spec, const Address& address);
bool matches_everything(const AddressSpec& spec);

enum class Command { kConnect, kBind };
enum class PortOp { kEq, kNeq, kLt, kGt, kLe, kGe };
const char* to_string(PortOp op);

struct Destination {
  enum class Kind { kAny, kAddress, kName, kSuffix } kind = Kind::kAny;
  AddressSpec address;  // kAddress
  std::string name;     // kName: "www.example" (any case, maybe a final dot); kSuffix: ".example"
};

struct Rule {
  bool permit = true;
  std::optional<Command> command;
  std::vector<std::string> users;  // *= list; empty: any user
  bool users_first = false;        // the text says *= before connect|bind (any order is valid)
  AddressSpec source;
  Destination destination;
  std::optional<std::pair<PortOp, uint16_t>> port;
};
// The rule as a sockd.conf line (no newline).
std::string to_line(const Rule& rule);
std::string to_config(const std::vector<Rule>& rules);

struct Request {
  Command command = Command::kConnect;
  std::string user;    // empty: none
  std::string source;  // the client's address as text ("127.0.0.1", "::1", "2001:db8::7")
  uint16_t port = 0;
  // Plain SOCKS 4: the destination address (text, may be IPv6 for check mode).
  std::string address;
  // 4a: the name as sent, and what it resolves to in order; `resolves` false is NXDOMAIN.
  std::string name;
  std::vector<std::string> resolved;
  bool resolves = true;
  // Check mode only: give the bare NAME (no "=ADDRESSES"): decided before any lookup.
  bool bare_name = false;

  bool is_4a() const { return !name.empty(); }
};

// Whether `rule` matches the request considered at `destination` (nullopt: the name alone,
// before any lookup).
bool rule_matches(const Rule& rule, const Request& request,
                  const std::optional<Address>& destination);
// The first matching rule's action; no match is deny.
bool permitted(const std::vector<Rule>& rules, const Request& request,
               const std::optional<Address>& destination);

// What `sockd -r` must exit with: 0 permit, 1 deny, 2 bad request (a plain destination of
// 0.0.0.0, also written :: or ::ffff:0.0.0.0, which is no valid SOCKS 4 request: sockd(8),
// tests/unit/check_mode_test.cc). A bare name is decided on the name alone, as sockd does
// before it resolves the name: address rules do not match it (but a mask of 0 does).
int expected_check_exit(const std::vector<Rule>& rules, const Request& request);
// The request in check-mode form: "connect USER SOURCE DESTINATION PORT".
std::string check_request_text(const Request& request);

// The live server's reply code (90 or 91): `connectable` says whether sockd's connect to a
// (normalised) address at the request's port succeeds; BIND needs no connect (its first reply).
template <typename Connectable>
int expected_reply(const std::vector<Rule>& rules, const Request& request,
                   Connectable connectable) {
  std::vector<std::string> candidates =
      request.is_4a() ? request.resolved : std::vector<std::string>{request.address};
  if (request.is_4a() && !request.resolves) return 91;
  for (const std::string& text : candidates) {
    std::optional<Address> address = parse_address(text);
    if (!address || never_allowed(*address) || !permitted(rules, request, address)) continue;
    if (request.command == Command::kBind || connectable(*address)) return 90;
  }
  return 91;
}

}  // namespace socks4::test::model
