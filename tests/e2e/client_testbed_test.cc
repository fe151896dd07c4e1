// The plain BSD C program, SOCKSified with the -D renames and -lsocks, in the firewall test
// bed (DESIGN §6): from lan it reaches wan through sockd on fw, by address and by a name only
// fw can resolve (4a); without SOCKS it cannot reach wan at all. Needs root for network
// namespaces: under CI=true a failure to build the test bed fails every test; elsewhere a
// non-root run is skipped with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "../integration/client_plain_path.h"
#include "../support/firewall_bed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kRunTimeout{20000};
constexpr const char* kHttpPort = "8080";
const std::string& kSockdAddr = FirewallBed::kSockdAddress;

class ClientTestbedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    TempDir& files = bed_->files();
    for (int i = 0; i < 400; ++i) payload_ += "line " + std::to_string(i) + " of the wan page\n";
    files.write("page.txt", payload_);
    through_fw_ = files.write("socks.conf", "sockd @=" + kSockdAddr + " 198.51.100.0/24\n" +
                                                "sockd @=" + kSockdAddr + " .wan.test\n");
    direct_ = files.write("direct.conf", "direct 0.0.0.0/0\n");
    bed_->start_wan_http(files.path(), kHttpPort);
    bed_->start_sockd();
  }

  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override { FIREWALL_BED_SET_UP(bed_); }
  void TearDown() override {
    if (HasFailure()) bed_->print_sockd_log();
  }

  static SockdProcess& sockd() { return bed_->sockd(); }

  // The plain client in lan with socks.conf `conf`.
  static CommandResult plain_in_lan(const std::string& conf, std::vector<std::string> args) {
    std::vector<std::string> argv = {"env", "SOCKS_CONF=" + conf, "SOCKS_USERNAME=lanuser",
                                     plain_client_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return Testbed::run_in(bed_->bed().lan(), argv, kRunTimeout);
  }

  static inline std::unique_ptr<FirewallBed> bed_;
  static inline std::string payload_, through_fw_, direct_;
};

TEST_F(ClientTestbedTest, PlainClientReachesWanByAddressThroughSockd) {
  CommandResult r = plain_in_lan(through_fw_, {Testbed::kWanIp, kHttpPort, "/page.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200")) << r.out.substr(0, 200);
  EXPECT_TRUE(r.out.ends_with(payload_)) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(sockd()
                   .log_lines_with({"192.0.2.2:", "CONNECT user=lanuser",
                                    std::string(Testbed::kWanIp) + ":8080", "granted"})
                   .empty())
      << sockd().log();
}

TEST_F(ClientTestbedTest, PlainClientReachesWanByANameOnlyFwResolves) {
  CommandResult r = plain_in_lan(through_fw_, {Testbed::kWanName, kHttpPort, "/page.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(payload_)) << "got " << r.out.size() << " bytes";
  // A 4a request: sockd got the name, not an address the client made up.
  EXPECT_FALSE(
      sockd()
          .log_lines_with({"192.0.2.2:", std::string(Testbed::kWanName) + ":8080", "granted"})
          .empty())
      << sockd().log();
}

TEST_F(ClientTestbedTest, WithoutSocksLanCannotReachWan) {
  CommandResult r = plain_in_lan(direct_, {Testbed::kWanIp, kHttpPort, "/page.txt", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(ClientTestbedTest, WithoutSocksLanCannotResolveTheWanName) {
  CommandResult r = plain_in_lan(direct_, {Testbed::kWanName, kHttpPort, "/page.txt", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown host"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace socks4::test
