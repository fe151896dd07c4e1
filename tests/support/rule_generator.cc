#include "rule_generator.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace socks4::test {
namespace {

using model::AddressSpec;
using model::Destination;

// Names a 4a request may ask for (lower case; the request varies the case and may add a final
// dot). Some overlap the rule names below, some sit just beside them.
const std::vector<std::string> kNames = {
    "a.example", "www.a.example", "deep.www.a.example", "example",    "b.test",     "x-y.example",
    "other.org", "a.example.org", "badexample",         "nx.example", "empty.test", "test"};
const std::vector<std::string> kRuleNames = {"a.example", "www.a.example", "A.Example.", "example",
                                             "b.test",    "X-Y.example",   "other.org",  "test"};
const std::vector<std::string> kRuleSuffixes = {".example",    ".a.example",  ".test",
                                                ".Example",    ".org",        ".xample",
                                                ".a.example.", ".example.org"};
const std::vector<std::string> kUsers = {"alice", "bob", "carol", "dave"};
const std::vector<std::string> kRequestUsers = {"", "alice", "bob", "carol", "Alice", "eve"};

std::string ipv4_text(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

uint32_t ipv4_value(const std::string& text) {
  in_addr a{};
  inet_pton(AF_INET, text.c_str(), &a);
  return ntohl(a.s_addr);
}

std::array<uint8_t, 16> ipv6_value(const std::string& text) {
  std::array<uint8_t, 16> b{};
  inet_pton(AF_INET6, text.c_str(), b.data());
  return b;
}

std::string ipv6_text(const std::array<uint8_t, 16>& b) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, b.data(), text, sizeof text);
  return text;
}

uint32_t prefix_mask(int length) {
  return length == 0 ? 0 : ~uint32_t{0} << (32 - length);
}

// An IPv6 rule address sockd must refuse: it names a normalised form (sockd.conf(5), "Addresses and
// masks").
bool names_a_normalised_form(const std::array<uint8_t, 16>& b, int length) {
  const bool first_80_zero = std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return !x; });
  const bool mapped = first_80_zero && b[10] == 0xff && b[11] == 0xff;
  const bool low_zero = first_80_zero && !b[10] && !b[11] && !b[12] && !b[13] && !b[14];
  return (mapped && length >= 96) || (low_zero && b[15] <= 1 && length == 128);
}

}  // namespace

RuleProfile check_mode_profile() {
  RuleProfile p;
  p.sources = {"127.0.0.1", "10.1.2.3",        "10.1.2.4",         "192.0.2.7",   "198.51.100.2",
               "::1",       "::ffff:10.1.2.3", "::ffff:192.0.2.7", "2001:db8::1", "2001:db8:0:1::5",
               "fe80::1",   "::fffe:a01:203",  "2001:db8:ffff::2", "10.255.0.1"};
  p.plain_destinations = {"127.0.0.1",
                          "10.1.2.3",
                          "10.1.2.4",
                          "192.0.2.7",
                          "198.51.100.2",
                          "203.0.113.9",
                          "0.0.0.0",
                          "0.1.2.3",
                          "224.0.0.1",
                          "239.255.255.250",
                          "255.255.255.255",
                          "255.255.255.254",
                          "::",
                          "::1",
                          "ff02::1",
                          "ff05::2",
                          "::ffff:224.0.0.1",
                          "::ffff:0.0.0.0",
                          "::ffff:10.1.2.3",
                          "2001:db8::1",
                          "2001:db8:0:1::5",
                          "fe80::1",
                          "::fffe:a01:203",
                          "::2"};
  p.resolvable = p.plain_destinations;
  p.ports = {0, 1, 21, 22, 25, 79, 80, 81, 443, 1023, 1024, 1080, 8080, 65534, 65535};
  p.rule_v4 = {"127.0.0.1",    "10.1.2.3", "10.1.2.4",  "10.0.0.0",        "192.0.2.7",
               "198.51.100.0", "0.0.0.0",  "224.0.0.1", "255.255.255.255", "10.255.0.1"};
  p.rule_v6 = {
      "2001:db8::1", "2001:db8::", "2001:db8:0:1::5", "fe80::1",        "ff02::1",
      "::1",         "::",         "::ffff:10.1.2.3", "::fffe:a01:203", "2001:db8:ffff::2"};
  p.check_mode = true;
  return p;
}

RuleProfile live_profile(uint16_t open_port, uint16_t closed_port) {
  RuleProfile p;
  p.sources = {"127.0.0.1", "127.0.0.2", "127.9.8.7", "::1"};
  p.plain_destinations = {"127.0.0.1", "127.0.0.2", "127.3.4.5",      "127.0.0.9",
                          "0.0.0.0",   "224.0.0.1", "255.255.255.255"};
  p.resolvable = p.plain_destinations;
  for (const char* v6 :
       {"::1", "::ffff:127.0.0.2", "::ffff:127.3.4.5", "::ffff:127.0.0.9", "::", "ff02::1"})
    p.resolvable.push_back(v6);
  p.ports = {open_port, open_port, open_port, closed_port};
  p.rule_v4 = {"127.0.0.1", "127.0.0.2", "127.3.4.5", "127.0.0.9", "127.9.8.7",
               "127.0.0.0", "10.1.2.3",  "0.0.0.0",   "224.0.0.1"};
  p.rule_v6 = {"2001:db8::1", "::1", "::", "ff02::1", "::ffff:127.0.0.2"};
  return p;
}

RuleGenerator::RuleGenerator(uint64_t seed, RuleProfile profile)
    : random_(seed), profile_(std::move(profile)) {}

AddressSpec RuleGenerator::v4_spec() {
  AddressSpec spec;
  spec.ip = chance(0.75) ? ipv4_value(pick(profile_.rule_v4)) : static_cast<uint32_t>(random_());
  const int form = between(0, 9);
  int length = pick(std::vector<int>{0, 0, 1, 8, 8, 16, 24, 24, 28, 31, 32, 32, between(0, 32)});
  if (form < 4) {  // CIDR
    spec.mask = prefix_mask(length);
    if (chance(0.5)) spec.ip &= spec.mask;
    spec.text = ipv4_text(spec.ip) + "/" + std::to_string(length);
  } else {  // NEC style: a contiguous mask, or bytes of 0/255, or any bits at all
    if (form < 7) {
      spec.mask = prefix_mask(length);
    } else if (form < 9) {
      spec.mask = 0;
      for (int byte = 0; byte < 4; ++byte) spec.mask = spec.mask << 8 | (chance(0.5) ? 0xff : 0);
    } else {
      spec.mask = static_cast<uint32_t>(random_());
    }
    if (chance(0.3)) spec.ip &= spec.mask;
    spec.text = ipv4_text(spec.ip) + " " + ipv4_text(spec.mask);
  }
  return spec;
}

AddressSpec RuleGenerator::v6_spec() {
  AddressSpec spec;
  spec.is_v6 = true;
  if (chance(0.75)) {
    spec.prefix = ipv6_value(pick(profile_.rule_v6));
  } else {
    spec.prefix = ipv6_value("2001:db8::");
    for (int i = 4; i < 16; ++i) spec.prefix[i] = static_cast<uint8_t>(random_());
  }
  do {
    spec.length = pick(std::vector<int>{0, 1, 8, 16, 32, 32, 48, 64, 95, 96, 112, 120, 127, 128,
                                        128, between(0, 128)});
  } while (names_a_normalised_form(spec.prefix, spec.length));
  std::array<uint8_t, 16> written = spec.prefix;
  if (chance(0.4)) {  // clear the host bits
    for (int bit = spec.length; bit < 128; ++bit)
      written[bit / 8] &= static_cast<uint8_t>(~(1u << (7 - bit % 8)));
    if (names_a_normalised_form(written, spec.length)) written = spec.prefix;
  }
  std::string text = ipv6_text(written);
  if (chance(0.15))
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  spec.text = "[" + text + "]/" + std::to_string(spec.length);
  return spec;
}

Destination RuleGenerator::destination() {
  Destination d;
  const int kind = between(0, 19);
  if (kind < 7) return d;  // any
  if (kind < 14) {
    d.kind = Destination::Kind::kAddress;
    d.address = chance(0.7) ? v4_spec() : v6_spec();
  } else if (kind < 17) {
    d.kind = Destination::Kind::kName;
    d.name = pick(kRuleNames);
  } else {
    d.kind = Destination::Kind::kSuffix;
    d.name = pick(kRuleSuffixes);
  }
  return d;
}

uint16_t RuleGenerator::rule_port() {
  const int base = pick(profile_.ports) + between(-1, 1);
  return static_cast<uint16_t>(std::clamp(base, 0, 65535));
}

std::vector<model::Rule> RuleGenerator::rules() {
  std::vector<model::Rule> rules(static_cast<size_t>(pick(std::vector<int>{1, 2, 3, 4, 5, 6, 8})));
  for (model::Rule& rule : rules) {
    rule.permit = chance(0.6);
    const int command = between(0, 9);
    if (command < 3) rule.command = model::Command::kConnect;
    if (command == 3 || command == 4) rule.command = model::Command::kBind;
    if (chance(0.25)) {
      std::vector<std::string> users = kUsers;
      std::shuffle(users.begin(), users.end(), random_);
      users.resize(static_cast<size_t>(between(1, 3)));
      rule.users = users;
      rule.users_first = chance(0.5);
    }
    const int source = between(0, 9);
    if (source < 2) {
      rule.source.text = chance(0.5) ? "0.0.0.0/0" : "0.0.0.0 0.0.0.0";
    } else if (source == 2) {
      rule.source.is_v6 = true;
      rule.source.text = "[::]/0";
    } else {
      rule.source = source < 8 ? v4_spec() : v6_spec();
    }
    rule.destination = destination();
    if (chance(0.4)) rule.port = {static_cast<model::PortOp>(between(0, 5)), rule_port()};
  }
  // Random rules seldom match; a catch-all at the end (IPv4, IPv6 or both) keeps permits and
  // denies both common, and the rules before it decide the interesting cases.
  if (chance(0.5)) {
    const bool permit = chance(0.8);
    for (const char* text : {"0.0.0.0/0", "[::]/0"}) {
      if (chance(0.3)) continue;
      model::Rule& rule = rules.emplace_back();
      rule.permit = permit;
      rule.source.is_v6 = text[0] == '[';
      rule.source.text = text;
    }
  }
  return rules;
}

NameTable RuleGenerator::name_table() {
  NameTable table;
  for (const std::string& name : kNames) {
    if (name.starts_with("nx.") || chance(0.1)) continue;  // NXDOMAIN
    std::vector<std::string>& addresses = table[name];
    if (name.starts_with("empty.") || chance(0.05)) continue;  // known, without addresses
    for (int i = between(1, 4); i > 0; --i) addresses.push_back(pick(profile_.resolvable));
  }
  return table;
}

std::string RuleGenerator::requested_name() {
  std::string name = pick(kNames);
  if (chance(0.3))
    for (char& c : name)
      if (chance(0.5)) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (chance(0.1)) name += ".";
  return name;
}

model::Request RuleGenerator::request(const NameTable& table) {
  model::Request r;
  r.command = chance(0.75) ? model::Command::kConnect : model::Command::kBind;
  r.user = pick(kRequestUsers);
  r.source = pick(profile_.sources);
  r.port = pick(profile_.ports);
  if (chance(0.6)) {
    r.address = pick(profile_.plain_destinations);
    return r;
  }
  r.name = requested_name();
  if (profile_.check_mode) {
    r.bare_name = chance(0.2);
    for (int i = between(1, 4); i > 0; --i) r.resolved.push_back(pick(profile_.resolvable));
    return r;
  }
  std::string key = r.name;
  if (key.back() == '.') key.pop_back();
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto found = table.find(key);
  r.resolves = found != table.end();
  if (r.resolves) r.resolved = found->second;
  return r;
}

}  // namespace socks4::test
