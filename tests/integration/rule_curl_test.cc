// A deny rule yields 91 for curl (as a SOCKS4/4a client of sockd), per source, destination,
// port, user and command; each case has a control request, differing only in that field, that
// the same rules grant. Also: a reload to rules that deny leaves an established relay alone.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCurlBound{20000};
constexpr const char* kBody = "rules say yes\n";
// sockd's generated config has two lines (hosts_file, resolv_conf) before the test's rules.
constexpr const char* kFirstRule = "line 3";

class RuleCurlTest : public SockdTest {
 protected:
  // curl through sockd as `user`; `scheme` socks4 or socks4a; `source` the local address.
  CommandResult curl(const std::string& url, const std::string& user = "alice",
                     const std::string& scheme = "socks4", const std::string& source = "") {
    std::vector<std::string> argv = {"curl",
                                     "--silent",
                                     "--show-error",
                                     "--max-time",
                                     "10",
                                     "--proxy",
                                     scheme + "://" + user + "@127.0.0.1:" + std::to_string(port()),
                                     url};
    if (!source.empty()) argv.insert(argv.end() - 1, {"--interface", source});
    return run_command(argv, kCurlBound);
  }

  std::string url(uint16_t server_port, const std::string& host = "127.0.0.1") {
    return "http://" + host + ":" + std::to_string(server_port) + "/";
  }

  void expect_granted(const CommandResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, kBody);
  }

  // curl reports the reply code; sockd logs which rule denied it.
  void expect_denied_by_first_rule(const CommandResult& r, const std::string& user) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("(91)"), std::string::npos) << r.err;
    EXPECT_TRUE(sockd().wait_for_log("user=" + user, milliseconds(5000)));
    EXPECT_FALSE(sockd()
                     .log_lines_with({"user=" + user,
                                      std::string("rejected (denied by rule, ") + kFirstRule + ")"})
                     .empty())
        << sockd().log();
  }

  LoopbackServer web_{http_handler(kBody)};
  LoopbackServer other_web_{http_handler(kBody)};
};

TEST_F(RuleCurlTest, BySource) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny 127.0.0.2 255.255.255.255\npermit 127.0.0.0/8\n")));
  expect_denied_by_first_rule(curl(url(web_.port()), "from2", "socks4", "127.0.0.2"), "from2");
  expect_granted(curl(url(web_.port()), "from3", "socks4", "127.0.0.3"));
}

TEST_F(RuleCurlTest, ByDestinationAddress) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny 127.0.0.0/8 127.0.0.9/32\npermit 127.0.0.0/8\n")));
  expect_denied_by_first_rule(curl(url(web_.port(), "127.0.0.9"), "to9"), "to9");
  expect_granted(curl(url(web_.port()), "to1"));
}

TEST_F(RuleCurlTest, ByDestinationName) {
  SockdOptions options = with_config("deny 127.0.0.0/8 .blocked.test\npermit 127.0.0.0/8\n");
  options.hosts = "127.0.0.1 www.blocked.test www.open.test\n";
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  expect_denied_by_first_rule(curl(url(web_.port(), "www.blocked.test"), "named", "socks4a"),
                              "named");
  expect_granted(curl(url(web_.port(), "www.open.test"), "named", "socks4a"));
}

TEST_F(RuleCurlTest, ByPort) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config(
      "deny 127.0.0.0/8 eq " + std::to_string(web_.port()) + "\npermit 127.0.0.0/8\n")));
  expect_denied_by_first_rule(curl(url(web_.port()), "porter"), "porter");
  expect_granted(curl(url(other_web_.port()), "porter"));
}

TEST_F(RuleCurlTest, ByUser) {
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny *=mallory 0.0.0.0/0\npermit 127.0.0.0/8\n")));
  expect_denied_by_first_rule(curl(url(web_.port()), "mallory"), "mallory");
  expect_granted(curl(url(web_.port()), "alice"));
}

TEST_F(RuleCurlTest, ByCommand) {
  // curl only sends CONNECT: a connect-only deny stops it, a bind-only deny does not.
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny connect 127.0.0.0/8\npermit 127.0.0.0/8\n")));
  expect_denied_by_first_rule(curl(url(web_.port()), "connector"), "connector");
}

TEST_F(RuleCurlTest, BindOnlyDenyLetsConnectThrough) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("deny bind 127.0.0.0/8\npermit 127.0.0.0/8\n")));
  expect_granted(curl(url(web_.port()), "connector"));
}

TEST_F(RuleCurlTest, ReloadLeavesEstablishedRelaysAlone) {
  LoopbackServer echo(echo_handler);
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(relay);
  ASSERT_TRUE(send_all(relay.get(), "before"));
  auto before = recv_exact(relay.get(), 6);
  ASSERT_TRUE(before);
  // New rules that deny this very request.
  std::string conf = read_text_file(sockd().config_path());
  conf.replace(conf.find("permit"), 6, "deny");
  std::ofstream(sockd().config_path(), std::ios::trunc) << conf;
  ASSERT_TRUE(sockd().process().signal(SIGHUP));
  ASSERT_TRUE(sockd().wait_for_log("SIGHUP: reloaded", milliseconds(5000))) << sockd().log();
  std::optional<Reply> reply;
  EXPECT_FALSE(open_relay(port(), connect_request("127.0.0.1", echo.port()), &reply));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->code, ReplyCode::kRejected);
  // The relay from before the reload still carries data both ways.
  ASSERT_TRUE(send_all(relay.get(), "after"));
  auto after = recv_exact(relay.get(), 5);
  ASSERT_TRUE(after);
  EXPECT_EQ(std::string(after->begin(), after->end()), "after");
}

}  // namespace
}  // namespace socks4::test
