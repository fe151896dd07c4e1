#include "socks4/conf_destination.h"

#include <algorithm>

namespace socks4::conf {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Why a token in the destination's place, valid as DNS syntax, is still no host name a rule
// can mean: most often a typo that would silently turn a deny into one that never matches
// ("eq25" for "eq 25"). Empty if it is a plausible name.
std::string implausible_name(std::string_view text) {
  for (std::string_view op : {"neq", "eq", "lt", "gt", "le", "ge"}) {
    if (text.size() > op.size() && equals_ignore_case(text.substr(0, op.size()), op) &&
        all_digits(text.substr(op.size()))) {
      return "an operator and its port as two words (" + std::string(op) + " " +
             std::string(text.substr(op.size())) + ")";
    }
  }
  for (std::string_view keyword : {"permit", "deny", "connect", "bind"}) {
    if (equals_ignore_case(text, keyword)) return "a destination, not the keyword " + quote(text);
  }
  std::string_view last_label = text.substr(text.rfind('.') + 1);
  if (all_digits(last_label)) {
    return "a destination address (a.b.c.d mask, a.b.c.d/len or [ipv6]/len) or a host name "
           "whose last label is not all digits";
  }
  return {};
}

std::string_view without_final_dot(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  return name;
}

}  // namespace

std::optional<std::string> normalize_destination_name(std::string_view text) {
  text = without_final_dot(text);
  std::string_view labels = text.substr(0, 1) == "." ? text.substr(1) : text;
  if (labels.empty() || labels.back() == '.' || !is_host_name(labels)) return std::nullopt;
  return to_lower(text);
}

std::optional<LineError> parse_destination(TokenCursor& cursor, Destination& out) {
  std::string_view text = cursor.peek().text;
  if (looks_like_address(text)) return parse_address_mask(cursor, "destination", out.address);
  auto name = normalize_destination_name(text);
  if (!name) {
    return expected(cursor,
                    "a destination (addr mask, addr/len, host name or .domain) or an operator "
                    "(eq neq lt gt le ge)",
                    Fault::kBadName);
  }
  if (std::string why = implausible_name(*name); !why.empty()) return expected(cursor, why);
  out.name = *name;
  cursor.take();
  return std::nullopt;
}

bool name_matches(std::string_view pattern, std::string_view name) {
  name = without_final_dot(name);
  if (name.empty() || pattern.empty()) return false;
  if (pattern.front() != '.') return equals_ignore_case(pattern, name);
  std::string_view domain = pattern.substr(1);
  if (equals_ignore_case(domain, name)) return true;
  return name.size() > pattern.size() &&
         equals_ignore_case(pattern, name.substr(name.size() - pattern.size()));
}

bool destination_matches(const AddressMask& address, std::string_view name_pattern,
                         const std::optional<IpAddress>& ip, std::string_view name) {
  if (!name_pattern.empty()) return name_matches(name_pattern, name);
  if (address.matches_everything()) return true;
  return ip && address.matches(*ip);
}

}  // namespace socks4::conf
