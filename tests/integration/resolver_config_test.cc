// sockd's resolver configuration as an administrator meets it: a resolv.conf without nameserver
// lines (evdns then has no server to ask, and says nothing), and resolver files that are missing
// or unreadable. sockd says so at start, at reload and in `sockd -n`, and refuses a 4a name the
// hosts file does not know at once, with the reason, instead of waiting out `timeout connect`.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "hostile_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kCommandBound{10000};

class ResolverConfig : public SockdTest {
 protected:
  // sockd with `resolv_conf` as its resolver file and a hosts file naming only-sockd.test;
  // `timeout connect 30`, far above what any answer below may take.
  void start_with_resolv_conf(const std::string& resolv_conf) {
    resolv_conf_ = files_.write("resolv.conf", resolv_conf);
    SockdOptions options;
    options.full_config = "hosts_file " + files_.write("hosts", "127.0.0.1 only-sockd.test\n") +
                          "\nresolv_conf " + resolv_conf_ +
                          "\ntimeout connect 30\npermit 127.0.0.0/8\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  }

  TempDir files_;
  std::string resolv_conf_;
};

TEST_F(ResolverConfig, NoNameserverIsReportedAtStartAndNamesAreRefusedAtOnce) {
  ASSERT_NO_FATAL_FAILURE(start_with_resolv_conf("# no nameserver lines\noptions timeout:1\n"));
  EXPECT_EQ(sockd().log_lines_with({"no nameserver", resolv_conf_}).size(), 1u) << sockd().log();

  const auto begun = Clock::now();
  Outcome outcome = offend(port(), connect_request_4a("unknown.nowhere.test", 80), Pace::kAtOnce,
                           false, milliseconds(20000));
  const auto took = Clock::now() - begun;
  EXPECT_TRUE(rejected_with_91(outcome));
  EXPECT_LT(took, milliseconds(3000)) << "the name waited for a resolver that has no server";
  EXPECT_EQ(sockd()
                .log_lines_with({"unknown.nowhere.test:80 -> rejected (cannot resolve "
                                 "unknown.nowhere.test: no nameserver configured)"})
                .size(),
            1u)
      << sockd().log();

  // The hosts file still answers.
  LoopbackServer echo(echo_handler);
  UniqueFd relay = open_relay(port(), connect_request_4a("only-sockd.test", echo.port()));
  EXPECT_TRUE(relay) << sockd().log();
}

TEST_F(ResolverConfig, NoNameserverIsReportedAtReload) {
  ASSERT_NO_FATAL_FAILURE(start_with_resolv_conf(loopback_resolv_conf()));
  EXPECT_TRUE(sockd().log_lines_with({"no nameserver"}).empty()) << sockd().log();
  files_.write("resolv.conf", "options timeout:1\n");
  ASSERT_TRUE(sockd().process().signal(SIGHUP));
  EXPECT_TRUE(sockd().wait_for_log("no nameserver in " + resolv_conf_, milliseconds(5000)))
      << sockd().log();
}

TEST(ResolverCheck, CheckModeWarnsOfNoNameserverAndOfMissingFiles) {
  TempDir dir;
  const std::string empty = dir.write("empty-resolv.conf", "");
  const std::string hosts = dir.write("hosts", "127.0.0.1 only-sockd.test\n");
  const std::string missing_resolv = dir.file("no-such-resolv.conf");
  const std::string missing_hosts = dir.file("no-such-hosts");

  const std::string no_nameserver = dir.write(
      "a.conf", "resolv_conf " + empty + "\nhosts_file " + hosts + "\npermit 127.0.0.0/8\n");
  CommandResult r = run_command({sockd_binary(), "-n", "-f", no_nameserver}, kCommandBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: no nameserver in " + empty), std::string::npos) << r.err;

  const std::string no_files =
      dir.write("b.conf", "resolv_conf " + missing_resolv + "\nhosts_file " + missing_hosts +
                              "\npermit 127.0.0.0/8\n");
  r = run_command({sockd_binary(), "-n", "-f", no_files}, kCommandBound);
  EXPECT_NE(r.err.find("cannot read " + missing_resolv + ": No such file or directory"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("cannot read " + missing_hosts + ": No such file or directory"),
            std::string::npos)
      << r.err;

  const std::string good =
      dir.write("c.conf", "resolv_conf " + dir.write("r", loopback_resolv_conf()) +
                              "\nhosts_file " + hosts + "\npermit 127.0.0.0/8\n");
  r = run_command({sockd_binary(), "-n", "-f", good}, kCommandBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

// With next_hop, a name the hosts file does not know is passed on unresolved, not refused: the
// warning says so, at start and in `sockd -n`.
TEST(ResolverCheck, NoNameserverWarningSaysNamesGoToTheNextHop) {
  TempDir dir;
  const std::string empty = dir.write("empty-resolv.conf", "");
  const std::string hosts = dir.write("hosts", "127.0.0.1 only-sockd.test\n");
  const std::string config =
      dir.write("a.conf", "resolv_conf " + empty + "\nhosts_file " + hosts +
                              "\nnext_hop 127.0.0.1:9\npermit 127.0.0.0/8\n");
  CommandResult r = run_command({sockd_binary(), "-n", "-f", config}, kCommandBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: no nameserver in " + empty + ": 4a names not in " + hosts +
                       " are passed on unresolved to next hop 127.0.0.1:9 (next_hop)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("are refused"), std::string::npos) << r.err;
}

TEST_F(ResolverConfig, NoNameserverWarningAtStartSaysNamesGoToTheNextHop) {
  SockdOptions options;
  resolv_conf_ = files_.write("resolv.conf", "options timeout:1\n");
  options.full_config = "hosts_file " + files_.write("hosts", "127.0.0.1 only-sockd.test\n") +
                        "\nresolv_conf " + resolv_conf_ +
                        "\nnext_hop 127.0.0.1:9\npermit 127.0.0.0/8\n";
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  EXPECT_EQ(sockd()
                .log_lines_with({"no nameserver in " + resolv_conf_,
                                 "passed on unresolved to next hop 127.0.0.1:9 (next_hop)"})
                .size(),
            1u)
      << sockd().log();
  EXPECT_TRUE(sockd().log_lines_with({"are refused"}).empty()) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
