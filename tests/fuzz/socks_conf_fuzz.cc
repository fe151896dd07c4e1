// libFuzzer target for the client's socks.conf parser and SOCKS_SERVER lists: parsing never
// crashes, a config comes back exactly when there is no diagnostic, every rule stays within
// its bounds, and routing with the parsed config answers with one of its rules or none.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "socks4/socks_conf.h"

namespace {

namespace client = socks4::client;

std::optional<std::string> fake_user_file(const std::string& path) {
  if (path.find("missing") != std::string::npos) return std::nullopt;
  return "alice bob\ncarol\n";
}

std::optional<uint16_t> fake_services(const std::string& name) {
  if (name == "smtp") return 25;
  if (name == "http") return 80;
  return std::nullopt;
}

void check_servers(const std::vector<client::ServerAddress>& servers) {
  FUZZ_CHECK(servers.size() <= client::kMaxServersPerRule);
  for (const auto& server : servers) FUZZ_CHECK(!server.host.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(bytes), size);

  std::string list_error;
  const auto servers = client::parse_server_list(text, &list_error);
  if (servers)
    check_servers(*servers);
  else
    FUZZ_CHECK(!list_error.empty());

  const client::ConfParse parse =
      client::parse_socks_conf(text, "fuzz.conf", &fake_user_file, &fake_services);
  FUZZ_CHECK(parse.config.has_value() == parse.errors.empty());
  for (const auto& error : parse.errors) FUZZ_CHECK(error.line >= 1 && error.column >= 1);
  if (!parse.config) return 0;

  const auto& rules = parse.config->rules;
  FUZZ_CHECK(rules.size() <= client::kMaxConfRules);
  for (const auto& rule : rules) {
    check_servers(rule.servers);
    FUZZ_CHECK(rule.users.size() <= client::kMaxUsersPerRule);
    for (char c : rule.name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  }

  client::RouteQuery query;
  query.ip = size >= 4 ? std::optional<uint32_t>(uint32_t{bytes[0]} << 24 | bytes[1] << 16 |
                                                 bytes[2] << 8 | bytes[3])
                       : std::nullopt;
  query.name = std::string(text.substr(0, std::min<size_t>(size, 16)));
  query.port = static_cast<uint16_t>(size);
  query.user = "alice";
  const std::vector<client::ServerAddress> with_servers = {{"127.0.0.1", 1080}};
  for (const auto& defaults : {with_servers, std::vector<client::ServerAddress>{}}) {
    const client::RouteDecision decision = client::route(parse.config, defaults, query);
    FUZZ_CHECK(!decision.rule ||
               (decision.rule >= rules.data() && decision.rule < rules.data() + rules.size()));
    FUZZ_CHECK(decision.reason != nullptr);
    if (decision.action == client::RouteAction::kSockd) FUZZ_CHECK(!decision.servers.empty());
  }
  return 0;
}
