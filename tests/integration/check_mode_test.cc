// `sockd --check-request`: the matching line and permit/deny on stdout, exit 0 for permit, 1
// for deny or an invalid file, 2 for a bad request; -i/-I apply to the check too.
#include <gtest/gtest.h>

#include "../support/sockd_process.h"
#include "../support/temp_dir.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCommandBound{10000};

class CheckModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = dir_.write("sockd.conf",
                       "# the office\n"
                       "deny *=mallory 0.0.0.0/0\n"
                       "deny 192.168.1.0/24 0.0.0.0/0 eq smtp : logger smtp from %a by %u\n"
                       "permit connect 192.168.1.0 255.255.255.0 .example.com\n"
                       "permit connect 192.168.1.0/24 198.51.100.0/24 lt 1024\n"
                       "permit ?=I bind 192.168.1.0/24\n");
  }

  CommandResult check(const std::string& request, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {sockd_binary(), "-f", conf_, "--check-request", request};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv, kCommandBound);
  }

  TempDir dir_;
  std::string conf_;
};

TEST_F(CheckModeTest, PermitExits0) {
  CommandResult r = check("connect alice 192.168.1.5 198.51.100.2 80");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, conf_ + ":5: permit connect 192.168.1.0/24 198.51.100.0/24 lt 1024\npermit\n");
}

TEST_F(CheckModeTest, DenyExits1AndShowsTheCommand) {
  CommandResult r = check("connect alice 192.168.1.5 198.51.100.2 smtp");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, conf_ +
                       ":3: deny 192.168.1.0/24 0.0.0.0/0 eq 25 : logger smtp from %a by %u\n"
                       "command (rule line 3): logger smtp from 192.168.1.5 by alice\n"
                       "deny\n");
}

TEST_F(CheckModeTest, UserAndNoMatch) {
  CommandResult mallory = check("connect mallory 192.168.1.5 198.51.100.2 80");
  EXPECT_EQ(mallory.exit_code, 1);
  EXPECT_EQ(mallory.out, conf_ + ":2: deny *=mallory 0.0.0.0/0\ndeny\n");
  CommandResult outsider = check("connect alice 10.0.0.1 198.51.100.2 80");
  EXPECT_EQ(outsider.exit_code, 1);
  EXPECT_EQ(outsider.out, "no rule matches\ndeny\n");
}

TEST_F(CheckModeTest, Socks4aNames) {
  CommandResult r = check("connect alice 192.168.1.5 www.example.com 8080");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, conf_ + ":4: permit connect 192.168.1.0/24 .example.com\npermit\n");
  CommandResult resolved = check("connect alice 192.168.1.5 www.wan.test=198.51.100.7 22");
  EXPECT_EQ(resolved.exit_code, 0) << resolved.err;
}

TEST_F(CheckModeTest, IdentdInTheCheck) {
  CommandResult without = check("bind alice 192.168.1.5 198.51.100.2 2000");
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.out.find("deny (92: no user from identd)"), std::string::npos) << without.out;
  CommandResult with = check("bind alice 192.168.1.5 198.51.100.2 2000 alice");
  EXPECT_EQ(with.exit_code, 0) << with.out;
  // -I makes every rule strict unless it says otherwise.
  CommandResult strict = check("connect alice 192.168.1.5 198.51.100.2 80", {"-I"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.out.find("identd: strict"), std::string::npos) << strict.out;
  CommandResult loose = check("connect alice 192.168.1.5 198.51.100.2 80 bob", {"-i"});
  EXPECT_EQ(loose.exit_code, 1);
  EXPECT_NE(loose.out.find("deny (93: identd reports another user)"), std::string::npos)
      << loose.out;
}

TEST_F(CheckModeTest, BadRequestExits2) {
  CommandResult r = check("connect alice 192.168.1.5 198.51.100.2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--check-request: expected"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CheckModeTest, InvalidFileExits1WithDiagnostics) {
  const std::string bad = dir_.write("bad.conf", "permit nonsense\n");
  CommandResult r =
      run_command({sockd_binary(), "-f", bad, "-r", "connect alice 192.168.1.5 198.51.100.2 80"},
                  kCommandBound);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad + ":1:"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CheckModeTest, BuiltInConfigurationPermitsLoopbackOnly) {
  CommandResult local =
      run_command({sockd_binary(), "-r", "connect - 127.0.0.1 198.51.100.2 80"}, kCommandBound);
  EXPECT_EQ(local.exit_code, 0) << local.out << local.err;
  CommandResult remote =
      run_command({sockd_binary(), "-r", "connect - 192.0.2.1 198.51.100.2 80"}, kCommandBound);
  EXPECT_EQ(remote.exit_code, 1) << remote.out;
  EXPECT_EQ(remote.out, "no rule matches\ndeny\n");
}

}  // namespace
}  // namespace socks4::test
