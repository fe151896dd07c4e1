// Random rule sets and requests for the differential rule test: rule addresses drawn mostly
// from the same small pools as the requests (so rules match often enough to matter), IPv4
// masks contiguous or not, IPv6 prefixes, names and .suffixes in any case, port operators
// around the ports requested. A Profile says which addresses a request may carry: check mode
// takes any, the live server only loopback and never-allowed ones.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "rule_model.h"

namespace socks4::test {

struct RuleProfile {
  std::vector<std::string> sources;             // client addresses
  std::vector<std::string> plain_destinations;  // DSTIPs (IPv6 only in check mode)
  std::vector<std::string> resolvable;          // what names may resolve to
  std::vector<uint16_t> ports;                  // DSTPORTs
  std::vector<std::string> rule_v4;             // bases of IPv4 rule addresses
  std::vector<std::string> rule_v6;             // bases of IPv6 rule addresses
  bool check_mode = false;                      // bare names; requests carry their own lists
};

// Anything goes (decided only by `sockd -r`).
RuleProfile check_mode_profile();
// Destinations the live server may really connect to: 127/8 and ::1 (and v4-mapped 127/8),
// plus never-allowed ones it refuses first. `open_port` has listeners, `closed_port` none.
RuleProfile live_profile(uint16_t open_port, uint16_t closed_port);

// Names for 4a requests -> addresses; names missing from it are NXDOMAIN.
using NameTable = std::map<std::string, std::vector<std::string>>;

class RuleGenerator {
 public:
  RuleGenerator(uint64_t seed, RuleProfile profile);

  std::vector<model::Rule> rules();
  // What the profile's names resolve to, for one rule set (a few are left out: NXDOMAIN).
  NameTable name_table();
  // A request; a 4a name resolves through `table` (check mode: its own random list).
  model::Request request(const NameTable& table);

 private:
  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(random_)];
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(random_); }
  int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  model::AddressSpec v4_spec();
  model::AddressSpec v6_spec();
  model::Destination destination();
  std::string requested_name();
  uint16_t rule_port();

  std::mt19937_64 random_;
  RuleProfile profile_;
};

}  // namespace socks4::test
