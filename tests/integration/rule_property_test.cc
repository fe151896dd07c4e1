// A differential property test of sockd's rule matching (semantics: sockd.conf(5), "HOW A REQUEST
// IS MATCHED"). Random rule sets and requests are decided by a small reference model
// (support/rule_model.h, which never calls sockd's matcher) and by sockd: `sockd -r` for every kind
// of address, and a live sockd for destinations on loopback (127/8, ::1, v4-mapped 127/8) and the
// never-allowed ones it must refuse before connecting. 4a names resolve through a stub DNS server
// answering from a table. `make test` runs fixed seeds, so CI is repeatable; RULE_PROPERTY_SEED=N
// replays a run, RULE_PROPERTY_SEED=random draws a new one (printed), and RULE_PROPERTY_SETS /
// RULE_PROPERTY_SERVERS / RULE_PROPERTY_LIVE_REQUESTS raise the counts for a soak. Sanitizer
// builds run a quarter of the default counts. A disagreement is shrunk (rules dropped and
// simplified, then the request) and printed.
#include <gtest/gtest.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <regex>
#include <thread>

#include "../support/child_process.h"
#include "../support/dns_stub.h"
#include "../support/load_scale.h"
#include "../support/rule_generator.h"
#include "../support/rule_model.h"
#include "../support/shared_port_listeners.h"
#include "../support/sockd_process.h"
#include "../support/socket_io.h"
#include "../support/temp_dir.h"
#include "socks4/proto.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kCheckBound{10000};
constexpr milliseconds kReplyBound{5000};
constexpr int kRequestsPerCheckSet = 10;
// Addresses a live sockd may connect to: listeners on the open port at the first four, a bound
// socket that refuses at 127.0.0.9 (and at all five on the closed port).
const std::vector<std::string> kListening = {"127.0.0.1", "127.0.0.2", "127.3.4.5", "::1"};
const std::vector<std::string> kRefusing = {"127.0.0.9"};
// The test opens one client connection at a time, but sockd may not have seen the last one
// close when the next arrives: limits are another test's business.
constexpr const char* kNoLimits =
    "max_connections_per_source 0\nmax_negotiations_per_source 0\n"
    "max_binds_per_connection 0\nmax_binds_per_source 0\n";
// In sockd's resolv.conf, to be ignored: a 4a name is resolved exactly as given.
constexpr const char* kSearchList = "search corp.test\noptions ndots:9\n";

// A decimal number from the environment (a count: positive), `fallback` if unset; nullopt (the
// test fails saying why) if it is set but no such number: a typo must not quietly run some
// other test.
std::optional<uint64_t> env_number(const char* name, uint64_t fallback, bool count = true) {
  const char* text = std::getenv(name);
  if (!text) return fallback;
  uint64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [stop, error] = std::from_chars(text, end, value);
  if (error != std::errc{} || stop != end || *text == 0 || (count && value == 0)) {
    ADD_FAILURE() << name << "='" << text << "' is not a " << (count ? "positive " : "")
                  << "decimal number";
    return std::nullopt;
  }
  return value;
}

// RULE_PROPERTY_SEED: a number, "random", or unset (then `fixed`).
std::optional<uint64_t> seed_from_env(uint64_t fixed) {
  const char* text = std::getenv("RULE_PROPERTY_SEED");
  if (text && std::strcmp(text, "random") == 0)
    return (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  return env_number("RULE_PROPERTY_SEED", fixed, false);
}

bool has_address_destination(const std::vector<model::Rule>& rules) {
  for (const model::Rule& rule : rules)
    if (rule.destination.kind == model::Destination::Kind::kAddress) return true;
  return false;
}

std::string describe_table(const NameTable& table) {
  std::string out;
  for (const auto& [name, addresses] : table) {
    out += "  " + name + " ->";
    for (const std::string& a : addresses) out += " " + a;
    out += addresses.empty() ? " (no records)\n" : "\n";
  }
  return out + "  (any other name: NXDOMAIN)\n";
}

// A rule set and one request; `fails` says whether sockd still disagrees with the model on it
// (and fills in what it saw).
struct Case {
  std::vector<model::Rule> rules;
  model::Request request;
};
using FailurePredicate = std::function<bool(const Case&, std::string* seen)>;

// Drops rules one at a time while the case still fails, then simplifies what is left: rule
// conditions, then the request's addresses and user.
Case shrink(Case failing, const FailurePredicate& fails) {
  std::string ignored;
  auto try_case = [&](const Case& candidate) {
    if (!fails(candidate, &ignored)) return false;
    failing = candidate;
    return true;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < failing.rules.size() && !progress; ++i) {
      Case candidate = failing;
      candidate.rules.erase(candidate.rules.begin() + static_cast<ptrdiff_t>(i));
      progress = try_case(candidate);
    }
  }
  for (size_t i = 0; i < failing.rules.size(); ++i) {
    const std::vector<std::function<void(model::Rule&)>> simplifications = {
        [](model::Rule& r) { r.port.reset(); },
        [](model::Rule& r) { r.users.clear(); },
        [](model::Rule& r) { r.command.reset(); },
        [](model::Rule& r) { r.destination = {}; },
    };
    for (const auto& simplify : simplifications) {
      Case candidate = failing;
      simplify(candidate.rules[i]);
      if (model::to_line(candidate.rules[i]) != model::to_line(failing.rules[i]))
        try_case(candidate);
    }
  }
  for (size_t i = 0; i < failing.request.resolved.size();) {
    Case candidate = failing;
    candidate.request.resolved.erase(candidate.request.resolved.begin() +
                                     static_cast<ptrdiff_t>(i));
    if (candidate.request.resolved.empty() || !try_case(candidate)) ++i;
  }
  if (!failing.request.user.empty()) {
    Case candidate = failing;
    candidate.request.user.clear();
    try_case(candidate);
  }
  return failing;
}

// ---- check mode ----------------------------------------------------------------------------

class CheckModeRunner {
 public:
  // Whether `sockd -r` disagrees with the model on the case; `seen` gets sockd's answer.
  bool disagrees(const Case& c, std::string* seen) {
    const std::string config = dir_.write("sockd.conf", model::to_config(c.rules));
    const std::string text = model::check_request_text(c.request);
    CommandResult r = run_command({sockd_binary(), "-f", config, "-r", text}, kCheckBound);
    ++runs_;
    const int expected = model::expected_check_exit(c.rules, c.request);
    *seen = "sockd -r exit " + std::to_string(r.exit_code) + ", model " + std::to_string(expected) +
            "\n  stdout: " + r.out + "  stderr: " + r.err;
    if (r.exit_code != expected) return true;
    // The last line must say the same as the exit status.
    std::string last = r.out;
    if (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    if (expected == 0) return last != "permit";
    if (expected == 1) return !last.starts_with("deny");
    return false;
  }
  int runs() const { return runs_; }

 private:
  TempDir dir_;
  int runs_ = 0;
};

std::string describe(const Case& c) {
  return "sockd.conf:\n" + model::to_config(c.rules) +
         "request (sockd -r): " + model::check_request_text(c.request) + "\n";
}

TEST(RuleProperty, CheckModeAgreesWithTheModel) {
  const auto seed_env = seed_from_env(20261206);
  const auto sets_env = env_number("RULE_PROPERTY_SETS", load_size(200, 50, 2000));
  if (!seed_env || !sets_env) return;
  const uint64_t seed = *seed_env, sets = *sets_env;
  std::cout << "[ seed     ] RULE_PROPERTY_SEED=" << seed << "\n";
  RuleGenerator generator(seed, check_mode_profile());
  CheckModeRunner runner;
  const auto begun = Clock::now();
  int decisions = 0, permits = 0;
  for (uint64_t set = 0; set < sets; ++set) {
    const std::vector<model::Rule> rules = generator.rules();
    const NameTable no_table;
    for (int i = 0; i < kRequestsPerCheckSet; ++i) {
      Case c{rules, generator.request(no_table)};
      std::string seen;
      ++decisions;
      if (model::expected_check_exit(c.rules, c.request) == 0) ++permits;
      if (!runner.disagrees(c, &seen)) continue;
      const Case smallest = shrink(
          c, [&](const Case& candidate, std::string* s) { return runner.disagrees(candidate, s); });
      runner.disagrees(smallest, &seen);
      FAIL() << "sockd -r disagrees with the model (RULE_PROPERTY_SEED=" << seed << ", set " << set
             << ")\nsmallest case:\n"
             << describe(smallest) << seen << "\noriginal case:\n"
             << describe(c);
    }
  }
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - begun).count();
  std::cout << "[ measure  ] " << sets << " rule sets, " << decisions << " sockd -r decisions ("
            << permits << " permit) in " << took << " ms\n";
  // Typically about a quarter; the bounds only catch a generator that lost its way.
  EXPECT_GT(permits, decisions / 20) << "the generator hardly ever produces a permit";
  EXPECT_LT(permits, decisions * 9 / 10) << "the generator hardly ever produces a deny";
}

// ---- live server ---------------------------------------------------------------------------

// The request's bytes, built here: encode_request() refuses DSTIP 0.0.0.0, which the test
// must be able to send.
std::vector<uint8_t> wire_request(const model::Request& request) {
  const uint32_t ip = request.is_4a() ? 1 : model::parse_address(request.address)->v4;
  std::vector<uint8_t> bytes = {
      4,
      request.command == model::Command::kConnect ? uint8_t{1} : uint8_t{2},
      static_cast<uint8_t>(request.port >> 8),
      static_cast<uint8_t>(request.port),
      static_cast<uint8_t>(ip >> 24),
      static_cast<uint8_t>(ip >> 16),
      static_cast<uint8_t>(ip >> 8),
      static_cast<uint8_t>(ip)};
  bytes.insert(bytes.end(), request.user.begin(), request.user.end());
  bytes.push_back(0);
  if (request.is_4a()) {
    bytes.insert(bytes.end(), request.name.begin(), request.name.end());
    bytes.push_back(0);
  }
  return bytes;
}

// A sockd with the case's rules, resolving through a stub DNS server with `table`, listening
// on 127.0.0.1 and [::1].
class LiveServer {
 public:
  LiveServer(const std::vector<model::Rule>& rules, const NameTable& table) : dns_(table) {
    SockdOptions options;
    options.full_config = "hosts_file " + files_.write("hosts", "# none\n") + "\nresolv_conf " +
                          files_.write("resolv.conf", dns_.resolv_conf(2, 2) + kSearchList) +
                          "\ntimeout connect 5\nbind_requires_connect no\n" + kNoLimits +
                          model::to_config(rules);
    options.extra_args = {"-t", "2", "-l", "[::1]:0"};
    sockd_ = std::make_unique<SockdProcess>(options);
    if (!sockd_->start()) {
      error_ = "sockd did not start: " + sockd_->error();
      return;
    }
    std::smatch m;
    const std::string log = sockd_->log();
    if (std::regex_search(log, m, std::regex(R"(listening on \[::1\]:([0-9]+))")))
      port6_ = static_cast<uint16_t>(std::stoi(m[1]));
    else
      error_ = "no 'listening on [::1]' line:\n" + log;
  }

  const std::string& error() const { return error_; }
  SockdProcess& sockd() { return *sockd_; }
  DnsStub& dns() { return dns_; }

  // The reply code to `request` sent from its source, or -1 with the reason in `why`.
  int reply_to(const model::Request& request, std::string* why) {
    const bool from_v6 = request.source.find(':') != std::string::npos;
    UniqueFd fd = connect_tcp_from(request.source, from_v6 ? "::1" : "127.0.0.1",
                                   from_v6 ? port6_ : sockd_->port(), kReplyBound, kReplyBound);
    if (!fd) {
      *why = "cannot connect to sockd from " + request.source;
      return -1;
    }
    if (!send_all(fd.get(), wire_request(request))) {
      *why = "cannot send the request";
      return -1;
    }
    auto bytes = recv_exact(fd.get(), kReplySize);
    if (!bytes) {
      *why = "no 8-byte reply within the bound";
      return -1;
    }
    return (*bytes)[1];
  }

 private:
  TempDir files_;
  DnsStub dns_;
  std::unique_ptr<SockdProcess> sockd_;
  uint16_t port6_ = 0;
  std::string error_;
};

// The name as the DNS is asked for it: lower case (the stub ignores case), no final dot.
std::string table_key(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// `table` with the case's name resolving as the case says (shrinking drops its addresses).
NameTable table_for(const Case& c, NameTable table) {
  if (!c.request.is_4a()) return table;
  if (c.request.resolves)
    table[table_key(c.request.name)] = c.request.resolved;
  else
    table.erase(table_key(c.request.name));
  return table;
}

std::string describe_live(const Case& c, const NameTable& table) {
  const model::Request& r = c.request;
  std::string wire = r.is_4a() ? "4a " + r.name : "plain " + r.address;
  return "sockd.conf rules:\n" + model::to_config(c.rules) + "DNS table:\n" +
         describe_table(table) +
         "live request: " + (r.command == model::Command::kConnect ? "CONNECT " : "BIND ") + wire +
         " port " + std::to_string(r.port) + " user '" + r.user + "' from " + r.source +
         "\n(as sockd -r: " + model::check_request_text(r) + ")\n";
}

TEST(RuleProperty, LiveServerAgreesWithTheModel) {
  const auto seed_env = seed_from_env(1180);
  const auto servers_env = env_number("RULE_PROPERTY_SERVERS", load_size(20, 5, 200));
  const auto requests_env = env_number("RULE_PROPERTY_LIVE_REQUESTS", 150);
  if (!seed_env || !servers_env || !requests_env) return;
  const uint64_t seed = *seed_env, servers = *servers_env, requests = *requests_env;
  std::cout << "[ seed     ] RULE_PROPERTY_SEED=" << seed << "\n";
  SharedPortListeners open(kListening, kRefusing);
  ASSERT_NE(open.port(), 0) << open.error();
  std::vector<std::string> all = kListening;
  all.insert(all.end(), kRefusing.begin(), kRefusing.end());
  SharedPortListeners closed({}, all);
  ASSERT_NE(closed.port(), 0) << closed.error();
  RuleGenerator generator(seed, live_profile(open.port(), closed.port()));
  auto expected = [&](const Case& c) {
    return model::expected_reply(c.rules, c.request, [&](const model::Address& a) {
      return c.request.port == open.port() && !a.is_v6 &&
             (a.v4 == 0x7f000001u || a.v4 == 0x7f000002u || a.v4 == 0x7f030405u);
    });
  };
  const auto begun = Clock::now();
  int sent = 0, granted = 0, names = 0, connects_granted = 0, names_not_looked_up = 0;
  std::vector<DnsStub::Query> first_queries;
  for (uint64_t server = 0; server < servers; ++server) {
    const std::vector<model::Rule> rules = generator.rules();
    const NameTable table = generator.name_table();
    LiveServer live(rules, table);
    // One sockd per candidate while shrinking: a candidate's rules are its config.
    auto fails = [&](const Case& c, std::string* seen) {
      LiveServer candidate(c.rules, table_for(c, {}));  // a request asks for its name only
      if (!candidate.error().empty()) {
        *seen = candidate.error();
        return true;
      }
      std::string why;
      const int reply = candidate.reply_to(c.request, &why);
      *seen = "sockd replied " + (reply < 0 ? why : std::to_string(reply)) + ", model " +
              std::to_string(expected(c)) + "\nsockd log:\n" + candidate.sockd().log();
      return reply != expected(c);
    };
    if (!live.error().empty()) {
      const Case smallest = shrink(Case{rules, {}}, [](const Case& c, std::string* seen) {
        LiveServer candidate(c.rules, {});
        *seen = candidate.error();
        return !seen->empty();
      });
      FAIL() << "sockd refused a generated configuration (RULE_PROPERTY_SEED=" << seed
             << ", server " << server << ")\nsmallest:\n"
             << model::to_config(smallest.rules) << LiveServer(smallest.rules, {}).error();
    }
    for (uint64_t i = 0; i < requests; ++i) {
      Case c{rules, generator.request(table)};
      std::string why;
      const size_t queries_before = live.dns().query_log().size();
      const int reply = live.reply_to(c.request, &why);
      const std::vector<DnsStub::Query> queries = live.dns().query_log();
      ++sent;
      if (c.request.is_4a()) ++names;
      if (reply == 90) ++granted;
      if (reply == 90 && c.request.command == model::Command::kConnect) ++connects_granted;
      if (reply == expected(c)) {
        // The DNS side: only the name as sent, never with the search list; and with no address
        // rule, a name the rules deny is refused before any query. (A query the reply waited
        // for is logged before the reply is sent.)
        const size_t asked = queries.size() - queries_before;
        const std::string name = table_key(c.request.name);
        for (size_t q = queries_before; q < queries.size(); ++q) {
          if (queries[q].name == name) continue;
          ADD_FAILURE() << "sockd asked the DNS for " << queries[q].name << ", not " << name
                        << " (the search list is not to be used)\n"
                        << describe_live(c, table);
          return;
        }
        if (c.request.is_4a() && !has_address_destination(rules)) {
          if (model::permitted(rules, c.request, std::nullopt))
            EXPECT_GT(asked, 0u) << describe_live(c, table);
          else
            EXPECT_EQ(asked, 0u) << "a name the rules deny was looked up\n"
                                 << describe_live(c, table);
          if (!model::permitted(rules, c.request, std::nullopt)) ++names_not_looked_up;
        }
        if (::testing::Test::HasFailure()) return;
        continue;
      }
      const std::string observed = reply < 0 ? why : std::to_string(reply);
      const Case smallest = shrink(c, fails);
      std::string seen;
      fails(smallest, &seen);
      FAIL() << "the live sockd disagrees with the model (RULE_PROPERTY_SEED=" << seed
             << ", server " << server << ", request " << i << ")\nsmallest case:\n"
             << describe_live(smallest, table_for(smallest, {})) << seen
             << "\noriginal case (sockd replied " << observed << ", model " << expected(c) << "):\n"
             << describe_live(c, table);
    }
    if (first_queries.empty()) first_queries = live.dns().query_log();
  }
  // Each granted CONNECT is one connection at a listener, and sockd made no other: a denied
  // address it had tried would show here even where another permitted one answered.
  const auto deadline = Clock::now() + kReplyBound;
  while (open.accepted() < connects_granted && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));  // polling a counter, bounded
  EXPECT_EQ(open.accepted(), connects_granted);
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - begun).count();
  std::cout << "[ measure  ] " << servers << " live sockd, " << sent << " requests (" << names
            << " 4a, " << granted << " granted, " << names_not_looked_up
            << " names denied before DNS) in " << took
            << " ms; destinations accepted: " << open.accepted() << "\n";
  std::string order;
  for (size_t i = 0; i < first_queries.size() && i < 6; ++i)
    order += (first_queries[i].type == 1 ? " A " : " AAAA ") + first_queries[i].name;
  std::cout << "[ measure  ] first DNS queries as received:" << order << "\n";
  // Typically 10-20% granted; the bounds only catch a generator that lost its way.
  EXPECT_GT(granted, sent / 50) << "hardly any request was granted";
  EXPECT_LT(granted, sent * 9 / 10) << "hardly any request was refused";
}

}  // namespace
}  // namespace socks4::test
