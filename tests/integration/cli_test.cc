// sockd's command line: check mode, version, usage errors, listen failures, signals, and the
// built-in default configuration.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "../support/source_dir.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCommandBound{10000};

TEST(SockdCli, SampleConfigIsValid) {
  const std::string sample = source_file("etc/sockd.conf");
  ASSERT_TRUE(std::filesystem::exists(sample)) << sample;
  CommandResult r = run_command({sockd_binary(), "-n", "-f", sample}, kCommandBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(SockdCli, CheckReportsFileLineColumnAndExits1) {
  TempDir dir;
  const std::string conf =
      dir.write("bad.conf", "permit 127.0.0.0 255.0.0.0\nallow everything please\n");
  CommandResult r = run_command({sockd_binary(), "--check", "-f", conf}, kCommandBound);
  EXPECT_EQ(r.exit_code, 1);
  // FILE:LINE:COL: message, for the unknown keyword on line 2.
  const std::string prefix = conf + ":2:";
  const size_t at = r.err.find(prefix);
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_TRUE(std::regex_search(r.err.substr(at + prefix.size()), std::regex("^[0-9]+: \\S")))
      << r.err;
}

TEST(SockdCli, CheckAcceptsAValidFile) {
  TempDir dir;
  const std::string conf = dir.write("ok.conf", "permit 127.0.0.0 255.0.0.0\n");
  CommandResult r = run_command({sockd_binary(), "-n", "-f", conf}, kCommandBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// A typo must not turn a deny into a rule that never matches.
TEST(SockdCli, RuleTypoIsAnErrorNotANameThatNeverMatches) {
  TempDir dir;
  for (const char* rule :
       {"deny 192.168.1.0/24 eq25", "deny 192.168.1.0/24 GE1024", "deny 192.168.1.0/24 mail.25"}) {
    const std::string conf = dir.write("sockd.conf", std::string(rule) + "\npermit 0.0.0.0/0\n");
    CommandResult r = run_command({sockd_binary(), "-n", "-f", conf}, kCommandBound);
    EXPECT_EQ(r.exit_code, 1) << rule << ": " << r.err;
    EXPECT_NE(r.err.find(conf + ":1:21: expected"), std::string::npos) << rule << ": " << r.err;
  }
}

TEST(SockdCli, InvalidConfigRefusesToStart) {
  TempDir dir;
  const std::string conf = dir.write("bad.conf", "permit nonsense\n");
  CommandResult r =
      run_command({sockd_binary(), "-F", "-l", "127.0.0.1:0", "-f", conf}, kCommandBound);
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST(SockdCli, Version) {
  CommandResult r = run_command({sockd_binary(), "-V"}, kCommandBound);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("sockd (socks4) 0.1.0"), std::string::npos) << r.out << r.err;
}

TEST(SockdCli, UnknownOptionIsAUsageError) {
  CommandResult r = run_command({sockd_binary(), "--no-such-option"}, kCommandBound);
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(SockdCli, PortInUseExits3) {
  UniqueFd taken = bind_loopback(true);
  ASSERT_TRUE(taken);
  const std::string addr = "127.0.0.1:" + std::to_string(local_port(taken.get()));
  TempDir dir;
  const std::string conf = dir.write("ok.conf", "permit 127.0.0.0 255.0.0.0\n");
  CommandResult r = run_command({sockd_binary(), "-F", "-l", addr, "-f", conf}, kCommandBound);
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

void expect_clean_stop(int sig) {
  SockdProcess sockd(with_args({"-t", "2", "-d"}));  // -d: "connected" and "request" lines
  ASSERT_TRUE(sockd.start()) << sockd.error();
  LoopbackServer echo(echo_handler);
  UniqueFd relay = open_relay(sockd.port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(relay);  // a live relay must not keep sockd from stopping
  // Nor a half-sent request or a name lookup still in progress.
  UniqueFd partial = send_request(sockd.port(), std::vector<uint8_t>{4, 1, 0});
  UniqueFd resolving = send_request(sockd.port(), connect_request_4a("nosuch.invalid", 80));
  ASSERT_TRUE(partial && resolving);
  // sockd holds both: the partial one's session started, the 4a name is being looked up.
  const std::string partial_peer = "127.0.0.1:" + std::to_string(local_port(partial.get()));
  const std::string resolving_peer = "127.0.0.1:" + std::to_string(local_port(resolving.get()));
  ASSERT_TRUE(sockd.wait_for_log(partial_peer + " connected", milliseconds(5000))) << sockd.log();
  ASSERT_TRUE(sockd.wait_for_log(resolving_peer + " request CONNECT", milliseconds(5000)))
      << sockd.log();
  ASSERT_TRUE(sockd.process().signal(sig));
  auto status = sockd.process().wait(milliseconds(5000));
  ASSERT_TRUE(status) << "still running after the signal";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status;
  EXPECT_TRUE(wait_for_close(relay.get(), milliseconds(3000)));
}

TEST(SockdCli, SigtermExits0) {
  expect_clean_stop(SIGTERM);
}
TEST(SockdCli, SigintExits0) {
  expect_clean_stop(SIGINT);
}

TEST(SockdCli, PidFileIsWritten) {
  TempDir dir;
  const std::string pid_file = dir.file("sockd.pid");
  SockdProcess sockd(with_args({"-t", "1", "-P", pid_file}));
  ASSERT_TRUE(sockd.start()) << sockd.error();
  EXPECT_EQ(std::atoi(read_text_file(pid_file).c_str()), sockd.pid());
}

TEST(SockdCli, DefaultConfigServesLoopbackClients) {
  // No -f: the built-in config permits loopback clients (and nothing else).
  SockdOptions options;
  options.write_config = false;
  SockdProcess sockd(options);
  ASSERT_TRUE(sockd.start()) << sockd.error();
  LoopbackServer echo(echo_handler);
  UniqueFd relay = open_relay(sockd.port(), connect_request("127.0.0.1", echo.port()));
  ASSERT_TRUE(relay);
  ASSERT_TRUE(send_all(relay.get(), "hi"));
  auto back = recv_exact(relay.get(), 2);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::string(back->begin(), back->end()), "hi");
}

TEST(SockdCli, SighupReloadsRules) {
  LoopbackServer echo(echo_handler);
  SockdProcess sockd;
  ASSERT_TRUE(sockd.start()) << sockd.error();
  ASSERT_TRUE(open_relay(sockd.port(), connect_request("127.0.0.1", echo.port())));
  // Replace the rules with a deny-all and reload.
  std::string conf = read_text_file(sockd.config_path());
  conf.replace(conf.find("permit"), 6, "deny");
  std::ofstream(sockd.config_path(), std::ios::trunc) << conf;
  ASSERT_TRUE(sockd.process().signal(SIGHUP));
  // Reloading is asynchronous: its log line says the new rules are in place.
  ASSERT_TRUE(sockd.wait_for_log("SIGHUP: reloaded", milliseconds(5000))) << sockd.log();
  std::optional<Reply> reply;
  UniqueFd fd = open_relay(sockd.port(), connect_request("127.0.0.1", echo.port()), &reply);
  EXPECT_FALSE(fd);
  ASSERT_TRUE(reply) << sockd.log();
  EXPECT_EQ(reply->code, ReplyCode::kRejected) << sockd.log();
}

// "listening on" means ready: a signal sent the moment the line appears is handled, not fatal.
TEST(SockdCli, SighupTheMomentTheListeningLineAppearsReloads) {
  SockdOptions options;
  options.ready_poll = std::chrono::microseconds(50);
  for (int i = 0; i < 20; ++i) {
    SockdProcess sockd(options);
    ASSERT_TRUE(sockd.start()) << sockd.error();
    ASSERT_TRUE(sockd.process().signal(SIGHUP));
    EXPECT_TRUE(sockd.wait_for_log("SIGHUP: reloaded", milliseconds(5000)))
        << "start " << i << ":\n"
        << sockd.log();
    ASSERT_TRUE(sockd.process().running()) << "start " << i;
  }
}

TEST(SockdCli, SighupWithInvalidConfigKeepsTheOldOne) {
  LoopbackServer echo(echo_handler);
  SockdProcess sockd;
  ASSERT_TRUE(sockd.start()) << sockd.error();
  std::ofstream(sockd.config_path(), std::ios::trunc) << "deny everything, badly\n";
  ASSERT_TRUE(sockd.process().signal(SIGHUP));
  // The complaint names the file; afterwards the old rules still permit.
  EXPECT_TRUE(sockd.wait_for_log(sockd.config_path() + ":1:", milliseconds(5000))) << sockd.log();
  EXPECT_TRUE(open_relay(sockd.port(), connect_request("127.0.0.1", echo.port())));
  EXPECT_TRUE(sockd.process().running());
}

}  // namespace
}  // namespace socks4::test
