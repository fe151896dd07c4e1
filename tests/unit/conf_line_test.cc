// The NEC line syntax shared by sockd.conf and socks.conf: one table of edge cases, each row
// run through both grammars (and both matchers), which must agree on what the line means and,
// for a bad line, on where the mistake is.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "../../server/conf/sockd_conf.h"
#include "socks4/socks_conf.h"

namespace {

namespace conf = socks4::conf;
namespace client = socks4::client;

std::optional<std::string> fake_read(const std::string& path) {
  if (path == "/etc/team") return std::string("carol, dave # staff\n\terin\n#frank\n");
  return std::nullopt;
}

std::optional<uint16_t> fake_services(const std::string& name) {
  if (name == "telnet") return 23;
  return std::nullopt;
}

enum class Field { kUsers, kDestination, kPort, kTail };

// A request that the row's rule must match, in both matchers.
struct Probe {
  std::optional<uint32_t> ip;  // host order
  const char* name;            // 4a name, "" for none
  uint16_t port;
  const char* user;
};

struct Row {
  const char* label;
  const char* users;        // "" or "*=..."
  const char* destination;  // never empty: socks.conf requires one
  const char* port;         // "" or "op port"
  const char* tail;         // "" or ": cmd" or "# comment"
  bool ok;
  // When !ok: the field the error points into, and its column from that field's first byte.
  Field bad_field = Field::kDestination;
  int offset = 0;
  // When ok: the meaning, the same in both grammars.
  std::vector<std::string> users_out = {};
  uint32_t address = 0, mask = 0;
  const char* name = "";
  conf::PortOp op = conf::PortOp::kAny;
  uint16_t port_out = 0;
  const char* command = "";
  std::optional<Probe> probe = std::nullopt;
  bool socks_refuses = false;  // IPv6: sockd.conf takes it, socks.conf refuses the destination
  // Where socks.conf's error points, when it differs: for a ':' alone, at the ':' (sockd.conf
  // points just past it); each grammar's own tests fix its column.
  std::optional<int> socks_offset = std::nullopt;
};

// One grammar's line, and where each field starts in it.
struct Line {
  std::string text;
  int column[4] = {0, 0, 0, 0};
};

Line build(const Row& row, bool sockd) {
  Line line;
  line.text = "deny";
  auto add = [&](Field field, const char* text) {
    if (*text == '\0') return;
    line.text += " ";
    line.column[static_cast<int>(field)] = static_cast<int>(line.text.size()) + 1;
    line.text += text;
  };
  add(Field::kUsers, row.users);
  if (sockd) line.text += " 0.0.0.0/0";  // the source, which socks.conf has not
  add(Field::kDestination, row.destination);
  add(Field::kPort, row.port);
  add(Field::kTail, row.tail);
  return line;
}

uint32_t ip(int a, int b, int c, int d) {
  return static_cast<uint32_t>(a) << 24 | static_cast<uint32_t>(b) << 16 |
         static_cast<uint32_t>(c) << 8 | static_cast<uint32_t>(d);
}

class NecLine : public testing::TestWithParam<Row> {};

TEST_P(NecLine, SockdConf) {
  const Row& row = GetParam();
  const Line line = build(row, true);
  conf::ParseOutcome out = conf::parse(line.text, "t", &fake_read, &fake_services);
  if (!row.ok) {
    ASSERT_FALSE(out.config) << line.text;
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].column - line.column[static_cast<int>(row.bad_field)], row.offset)
        << out.errors[0].to_string() << " in " << line.text;
    return;
  }
  ASSERT_TRUE(out.config) << line.text << ": " << out.errors[0].to_string();
  ASSERT_EQ(out.config->rules.size(), 1u);
  const conf::Rule& rule = out.config->rules[0];
  EXPECT_EQ(rule.users, row.users_out);
  ASSERT_TRUE(rule.destination);
  EXPECT_EQ(rule.destination->name, row.name);
  if (*row.name == '\0' && !row.socks_refuses) {
    EXPECT_EQ(rule.destination->address.address, row.address);
    EXPECT_EQ(rule.destination->address.mask, row.mask);
  }
  EXPECT_EQ(rule.port_op, row.op);
  EXPECT_EQ(rule.port, row.port_out);
  EXPECT_EQ(rule.shell_command, row.command);
  if (row.probe) {
    conf::MatchInput input;
    input.source = socks4::IpAddress::ipv4(ip(192, 0, 2, 1));
    if (row.probe->ip) input.destination = socks4::IpAddress::ipv4(*row.probe->ip);
    input.destination_name = row.probe->name;
    input.destination_port = row.probe->port;
    input.user = row.probe->user;
    EXPECT_EQ(conf::match(*out.config, input), &rule);
  }
}

TEST_P(NecLine, SocksConf) {
  const Row& row = GetParam();
  const Line line = build(row, false);
  client::ConfParse out = client::parse_socks_conf(line.text, "t", &fake_read, &fake_services);
  if (!row.ok || row.socks_refuses) {
    ASSERT_FALSE(out.config) << line.text;
    ASSERT_EQ(out.errors.size(), 1u);
    const int offset = row.ok ? 0 : row.socks_offset.value_or(row.offset);
    const Field field = row.ok ? Field::kDestination : row.bad_field;
    EXPECT_EQ(out.errors[0].column - line.column[static_cast<int>(field)], offset)
        << out.errors[0].to_string() << " in " << line.text;
    return;
  }
  ASSERT_TRUE(out.config) << line.text << ": " << out.errors[0].to_string();
  ASSERT_EQ(out.config->rules.size(), 1u);
  const client::RoutingRule& rule = out.config->rules[0];
  EXPECT_EQ(rule.users, row.users_out);
  EXPECT_EQ(rule.name, row.name);
  EXPECT_EQ(rule.address, row.address);
  EXPECT_EQ(rule.mask, row.mask);
  EXPECT_EQ(static_cast<int>(rule.port_op), static_cast<int>(row.op));
  EXPECT_EQ(rule.port, row.port_out);
  EXPECT_EQ(rule.shell_command, row.command);
  if (row.probe) {
    client::RouteQuery query{row.probe->ip, row.probe->name, row.probe->port, row.probe->user};
    EXPECT_EQ(client::route(out.config, {}, query).rule, &rule);
  }
}

constexpr conf::PortOp kAny = conf::PortOp::kAny, kEq = conf::PortOp::kEq,
                       kNeq = conf::PortOp::kNeq, kLt = conf::PortOp::kLt, kGe = conf::PortOp::kGe,
                       kLe = conf::PortOp::kLe;

// clang-format off
INSTANTIATE_TEST_SUITE_P(Table, NecLine, testing::Values(
    // Ports and operators, in any case.
    Row{"eq_number", "", "10.0.0.0/8", "eq 80", "", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kEq, 80, "", Probe{ip(10, 1, 2, 3), "", 80, "u"}},
    Row{"upper_case_operator", "", "10.0.0.0/8", "EQ 80", "", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kEq, 80},
    Row{"mixed_case_operator", "", "10.0.0.0/8", "Ge 1024", "", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kGe, 1024, "", Probe{ip(10, 0, 0, 1), "", 65535, "u"}},
    Row{"neq_zero", "", "10.0.0.0/8", "neq 0", "", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kNeq, 0},
    Row{"lt_top", "", "10.0.0.0/8", "lt 65535", "", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kLt, 65535},
    Row{"service_name", "", "10.0.0.0/8", "le telnet", "", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kLe, 23},
    Row{"port_too_big", "", "10.0.0.0/8", "le 65536", "", false, Field::kPort, 3},
    Row{"unknown_service", "", "10.0.0.0/8", "eq nosuch", "", false, Field::kPort, 3},
    Row{"negative_port", "", "10.0.0.0/8", "eq -1", "", false, Field::kPort, 3},
    Row{"operator_without_port", "", "10.0.0.0/8", "gt", "", false, Field::kPort, 2},
    Row{"operator_glued_to_port", "", "10.0.0.0/8", "eq80", "", false, Field::kPort, 0},
    // Masks and CIDR.
    Row{"nec_mask", "", "192.0.2.0 255.255.255.0", "", "", true, {}, 0, {}, ip(192, 0, 2, 0), ip(255, 255, 255, 0), "", kAny, 0, "", Probe{ip(192, 0, 2, 77), "", 1, "u"}},
    Row{"mask_not_a_prefix", "", "10.0.0.1 255.0.255.0", "", "", true, {}, 0, {}, ip(10, 0, 0, 1), ip(255, 0, 255, 0), "", kAny, 0, "", Probe{ip(10, 9, 0, 8), "", 1, "u"}},
    Row{"cidr_zero_matches_names_too", "", "0.0.0.0/0", "", "", true, {}, 0, {}, 0, 0, "", kAny, 0, "", Probe{std::nullopt, "host.example", 1, "u"}},
    Row{"cidr_too_long", "", "10.0.0.0/33", "", "", false, Field::kDestination, 0},
    Row{"address_without_mask", "", "10.0.0.1", "", "", false, Field::kDestination, 8},
    Row{"octet_too_big", "", "10.0.0.300 255.0.0.0", "", "", false, Field::kDestination, 0},
    Row{"mask_not_dotted", "", "10.0.0.0 255.0.0", "", "", false, Field::kDestination, 9},
    Row{"ipv6_prefix", "", "[2001:db8::]/32", "", "", true, {}, 0, {}, 0, 0, "", kAny, 0, "", std::nullopt, true},
    // Names and .suffix.
    Row{"name_lower_cased", "", "Host.Example.COM", "", "", true, {}, 0, {}, 0, 0, "host.example.com", kAny, 0, "", Probe{std::nullopt, "HOST.example.com", 1, "u"}},
    Row{"suffix_matches_below", "", ".Example.com", "", "", true, {}, 0, {}, 0, 0, ".example.com", kAny, 0, "", Probe{std::nullopt, "www.EXAMPLE.com.", 1, "u"}},
    Row{"suffix_matches_itself", "", ".example.com", "", "", true, {}, 0, {}, 0, 0, ".example.com", kAny, 0, "", Probe{std::nullopt, "example.com", 1, "u"}},
    Row{"one_letter_name", "", "X", "", "", true, {}, 0, {}, 0, 0, "x", kAny, 0, "", Probe{std::nullopt, "x", 1, "u"}},
    Row{"final_dot_dropped", "", "example.com.", "", "", true, {}, 0, {}, 0, 0, "example.com", kAny, 0},
    Row{"empty_label", "", "a..b", "", "", false, Field::kDestination, 0},
    Row{"bad_byte_in_name", "", "bad!name", "", "", false, Field::kDestination, 0},
    Row{"last_label_digits", "", "mail.25", "", "", false, Field::kDestination, 0},
    Row{"keyword_as_name", "", "permit", "", "", false, Field::kDestination, 0},
    // User lists.
    Row{"users", "*=alice,bob", "10.0.0.0/8", "", "", true, {}, 0, {"alice", "bob"}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kAny, 0, "", Probe{ip(10, 0, 0, 1), "", 1, "bob"}},
    Row{"user_file_blanks_commas_comments", "*=alice,/etc/team", "10.0.0.0/8", "", "", true, {}, 0, {"alice", "carol", "dave", "erin"}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kAny, 0, "", Probe{ip(10, 0, 0, 1), "", 1, "erin"}},
    Row{"empty_user_list", "*=", "10.0.0.0/8", "", "", false, Field::kUsers, 2},
    Row{"empty_user_item", "*=a,,b", "10.0.0.0/8", "", "", false, Field::kUsers, 4},
    Row{"unreadable_user_file", "*=/missing", "10.0.0.0/8", "", "", false, Field::kUsers, 2},
    // The `:` shell-command tail and comments.
    Row{"command", "", "10.0.0.0/8", "eq 25", ": echo %u at %A", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kEq, 25, "echo %u at %A"},
    Row{"command_glued", "", "10.0.0.0/8", "", ":echo", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kAny, 0, "echo"},
    Row{"comment_ends_command", "", "10.0.0.0/8", "", ": echo # not run", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kAny, 0, "echo"},
    Row{"comment_only", "", "10.0.0.0/8", "", "# a remark", true, {}, 0, {}, ip(10, 0, 0, 0), ip(255, 0, 0, 0), "", kAny, 0, ""},
    Row{"colon_alone", "", "10.0.0.0/8", "", ":", false, Field::kTail, 1, {}, 0, 0, "", kAny, 0, "", std::nullopt, false, 0},
    Row{"word_after_port", "", "10.0.0.0/8", "eq 25 extra", "", false, Field::kPort, 6}),
    [](const testing::TestParamInfo<Row>& info) { return std::string(info.param.label); });
// clang-format on

}  // namespace
