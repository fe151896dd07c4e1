// identd through the firewall test bed: sockd on fw in strict identd mode asks the identd of
// the lan host about curl's connection. A real identd (Debian's oidentd, run in the lan
// namespace) names the user that runs curl; a scripted identd in lan plays the broken ones.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <thread>

#include "../support/firewall_bed.h"
#include "../support/identd_private_net.h"
#include "../support/identd_scripted.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kClientTimeout{20000};
constexpr const char* kBody = "identd says hello\n";
constexpr const char* kUrl = "http://198.51.100.2:8080/hello.txt";

class IdentdFirewallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    bed_->files().write("hello.txt", kBody);
    bed_->start_wan_http(bed_->files().path(), "8080");
    bed_->start_sockd(std::string("identd strict\ntimeout identd 2\n") + FirewallBed::kPermitLan);
  }
  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override { FIREWALL_BED_SET_UP(bed_); }
  void TearDown() override {
    oidentd_.reset();
    if (HasFailure()) bed_->print_sockd_log();
  }

  static const Testbed& net() { return bed_->bed(); }

  // Runs oidentd in the foreground in lan and waits (bounded) until it listens on 113.
  void start_oidentd() {
    LaunchOptions launch;
    launch.argv = Testbed::in(net().lan(), {"oidentd", "-i", "-S", "-a", Testbed::kLanIp});
    launch.stderr_path = bed_->files().file("oidentd.err");
    oidentd_ = std::make_unique<ChildProcess>(launch);
    ASSERT_GT(oidentd_->pid(), 0);
    for (int i = 0; i < 50; ++i) {
      CommandResult r =
          Testbed::run_in(net().lan(), {"ss", "-Hltn", "sport = :113"}, kClientTimeout);
      if (!r.out.empty()) return;
      ASSERT_TRUE(oidentd_->running()) << read_text_file(launch.stderr_path);
      std::this_thread::sleep_for(milliseconds(100));
    }
    FAIL() << "oidentd does not listen: " << read_text_file(launch.stderr_path);
  }

  // curl in lan, run as `unix_user` (uid 65534 is nobody), through sockd with USERID `user`.
  static CommandResult curl_as_nobody(const std::string& user) {
    return Testbed::run_in(net().lan(),
                           {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "curl",
                            "--silent", "--show-error", "--max-time", "15", "--proxy",
                            "socks4://" + user + "@" + FirewallBed::kSockdAddress, kUrl},
                           kClientTimeout);
  }

  // Waits (bounded) for a log line holding every needle.
  static bool logged(const std::vector<std::string>& needles) {
    for (int i = 0; i < 50; ++i) {
      if (!bed_->sockd().log_lines_with(needles).empty()) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  static inline std::unique_ptr<FirewallBed> bed_;
  std::unique_ptr<ChildProcess> oidentd_;
};

TEST_F(IdentdFirewallTest, OidentdNamesTheUserRunningCurl) {
  ASSERT_NO_FATAL_FAILURE(start_oidentd());
  CommandResult r = curl_as_nobody("nobody");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kBody);
  EXPECT_TRUE(logged({"identd: user nobody"}));
  EXPECT_TRUE(logged({"user=nobody 198.51.100.2:8080 -> granted"}));
}

TEST_F(IdentdFirewallTest, AnotherUserIdIs93) {
  ASSERT_NO_FATAL_FAILURE(start_oidentd());
  CommandResult r = curl_as_nobody("alice");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("93"), std::string::npos) << r.err;
  EXPECT_TRUE(logged({"user=alice", "rejected (identd reports another user"}));
}

TEST_F(IdentdFirewallTest, IdentdDownIs92) {
  ASSERT_NO_FATAL_FAILURE(start_oidentd());
  oidentd_->stop();
  CommandResult r = curl_as_nobody("nobody");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("92"), std::string::npos) << r.err;
  EXPECT_TRUE(logged({"identd: no answer (Connection refused)"}));
}

struct Broken {
  const char* name;
  IdentdScript script;
  const char* logged;
};

class IdentdBrokenFirewallTest : public IdentdFirewallTest,
                                 public ::testing::WithParamInterface<Broken> {};

TEST_P(IdentdBrokenFirewallTest, Is92) {
  std::unique_ptr<ScriptedIdentd> identd;
  {
    PrivateNetwork lan(net().lan());  // the identd's socket and thread live in lan
    ASSERT_TRUE(lan.ok()) << lan.error();
    identd = std::make_unique<ScriptedIdentd>(Testbed::kLanIp, GetParam().script);
  }
  ASSERT_TRUE(identd->listening());
  CommandResult r = curl_as_nobody("nobody");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("92"), std::string::npos) << r.err;
  EXPECT_EQ(identd->queries(), 1);
  EXPECT_TRUE(logged({GetParam().logged}));
}

INSTANTIATE_TEST_SUITE_P(
    Scripted, IdentdBrokenFirewallTest,
    ::testing::Values(
        Broken{"Garbage",
               {[](const std::string&) { return std::string("SSH-2.0-x\r\n"); }, false},
               "not an identd answer"},
        Broken{"TooLong",
               {[](const std::string& q) {
                  return q + " : USERID : UNIX : " + std::string(3000, 'n');
                },
                false},
               "answer longer than 1024 bytes"},
        Broken{"NeverAnswers", {nullptr, true}, "no answer within the identd timeout"}),
    [](const ::testing::TestParamInfo<Broken>& info) { return info.param.name; });

}  // namespace
}  // namespace socks4::test
