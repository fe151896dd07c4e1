#include "rule_model.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace socks4::test::model {
namespace {

std::string lower_without_final_dot(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

bool name_matches(const Destination& destination, const std::string& requested) {
  const std::string name = lower_without_final_dot(requested);
  if (destination.kind == Destination::Kind::kName)
    return name == lower_without_final_dot(destination.name);
  // ".example": example itself and every name that ends in ".example".
  const std::string domain = lower_without_final_dot(destination.name.substr(1));
  return name == domain || name.ends_with("." + domain);
}

bool port_matches(PortOp op, uint16_t limit, uint16_t port) {
  switch (op) {
    case PortOp::kEq:
      return port == limit;
    case PortOp::kNeq:
      return port != limit;
    case PortOp::kLt:
      return port < limit;
    case PortOp::kGt:
      return port > limit;
    case PortOp::kLe:
      return port <= limit;
    case PortOp::kGe:
      return port >= limit;
  }
  return false;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : separator) + part;
  return out;
}

}  // namespace

std::optional<Address> parse_address(const std::string& text) {
  Address address;
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    address.v4 = ntohl(v4.s_addr);
    return address;
  }
  std::array<uint8_t, 16> b{};
  if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1) return std::nullopt;
  const bool first_80_zero = std::all_of(b.begin(), b.begin() + 10, [](uint8_t x) { return !x; });
  const uint32_t low = uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 | b[15];
  if (first_80_zero && b[10] == 0xff && b[11] == 0xff) {  // ::ffff:a.b.c.d
    address.v4 = low;
    return address;
  }
  if (first_80_zero && b[10] == 0 && b[11] == 0 && (low == 0 || low == 1)) {  // :: and ::1
    address.v4 = low == 1 ? 0x7f000001u : 0;
    return address;
  }
  address.is_v6 = true;
  address.v6 = b;
  return address;
}

bool never_allowed(const Address& address) {
  if (address.is_v6) return address.v6[0] == 0xff;
  return (address.v4 >> 24) == 0 || (address.v4 >> 28) == 0xe || address.v4 == 0xffffffffu;
}

bool matches(const AddressSpec& spec, const Address& address) {
  if (matches_everything(spec)) return true;
  if (spec.is_v6 != address.is_v6) return false;
  if (!spec.is_v6) return (address.v4 & spec.mask) == (spec.ip & spec.mask);
  for (int bit = 0; bit < spec.length; ++bit) {
    const int byte = bit / 8, shift = 7 - bit % 8;
    if (((spec.prefix[byte] >> shift) & 1) != ((address.v6[byte] >> shift) & 1)) return false;
  }
  return true;
}

bool matches_everything(const AddressSpec& spec) {
  return !spec.is_v6 && spec.mask == 0;
}

const char* to_string(PortOp op) {
  static constexpr const char* kNames[] = {"eq", "neq", "lt", "gt", "le", "ge"};
  return kNames[static_cast<int>(op)];
}

std::string to_line(const Rule& rule) {
  std::string line = rule.permit ? "permit" : "deny";
  const std::string command =
      !rule.command ? "" : (*rule.command == Command::kConnect ? " connect" : " bind");
  const std::string users = rule.users.empty() ? "" : " *=" + join(rule.users, ",");
  line += rule.users_first ? users + command : command + users;
  line += " " + rule.source.text;
  switch (rule.destination.kind) {
    case Destination::Kind::kAny:
      break;
    case Destination::Kind::kAddress:
      line += " " + rule.destination.address.text;
      break;
    case Destination::Kind::kName:
    case Destination::Kind::kSuffix:
      line += " " + rule.destination.name;
      break;
  }
  if (rule.port)
    line +=
        std::string(" ") + to_string(rule.port->first) + " " + std::to_string(rule.port->second);
  return line;
}

std::string to_config(const std::vector<Rule>& rules) {
  std::string text;
  for (const Rule& rule : rules) text += to_line(rule) + "\n";
  return text;
}

bool rule_matches(const Rule& rule, const Request& request,
                  const std::optional<Address>& destination) {
  if (rule.command && *rule.command != request.command) return false;
  if (!rule.users.empty() &&
      std::find(rule.users.begin(), rule.users.end(), request.user) == rule.users.end())
    return false;
  std::optional<Address> source = parse_address(request.source);
  if (!source || !matches(rule.source, *source)) return false;
  switch (rule.destination.kind) {
    case Destination::Kind::kAny:
      break;
    case Destination::Kind::kAddress:
      if (destination ? !matches(rule.destination.address, *destination)
                      : !matches_everything(rule.destination.address))
        return false;
      break;
    case Destination::Kind::kName:
    case Destination::Kind::kSuffix:
      if (!request.is_4a() || !name_matches(rule.destination, request.name)) return false;
      break;
  }
  return !rule.port || port_matches(rule.port->first, rule.port->second, request.port);
}

bool permitted(const std::vector<Rule>& rules, const Request& request,
               const std::optional<Address>& destination) {
  for (const Rule& rule : rules)
    if (rule_matches(rule, request, destination)) return rule.permit;
  return false;
}

int expected_check_exit(const std::vector<Rule>& rules, const Request& request) {
  if (request.is_4a() && request.bare_name) return permitted(rules, request, std::nullopt) ? 0 : 1;
  if (!request.is_4a()) {
    std::optional<Address> address = parse_address(request.address);
    if (address && !address->is_v6 && address->v4 == 0) return 2;
  }
  const std::vector<std::string> candidates =
      request.is_4a() ? request.resolved : std::vector<std::string>{request.address};
  for (const std::string& text : candidates) {
    std::optional<Address> address = parse_address(text);
    if (address && !never_allowed(*address) && permitted(rules, request, address)) return 0;
  }
  return 1;
}

std::string check_request_text(const Request& request) {
  std::string destination = request.address;
  if (request.is_4a())
    destination =
        request.bare_name ? request.name : request.name + "=" + join(request.resolved, ",");
  return std::string(request.command == Command::kConnect ? "connect" : "bind") + " " +
         (request.user.empty() ? "-" : request.user) + " " + request.source + " " + destination +
         " " + std::to_string(request.port);
}

}  // namespace socks4::test::model
