// End to end through a real firewall (docs/ARCHITECTURE.md, "Test beds"): lan reaches wan only
// through sockd on fw. Needs root for network namespaces. Under CI=true a failure to build the test
// bed fails every test; elsewhere a non-root run is skipped with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "../support/byte_stream.h"
#include "../support/firewall_bed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kClientTimeout{20000};
constexpr const char* kHttpPort = "8080";
const std::string& kSockdAddr = FirewallBed::kSockdAddress;

std::string wan_url(const std::string& host) {
  return "http://" + host + ":" + kHttpPort + "/payload.bin";
}

class FirewallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    payload_.resize(2u << 20);
    ByteStream(2024).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    TempDir& files = bed_->files();
    files.write("payload.bin", payload_);
    bed_->start_wan_http(files.path(), kHttpPort);
    bed_->start_sockd();
  }

  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override { FIREWALL_BED_SET_UP(bed_); }

  void TearDown() override {
    if (HasFailure()) bed_->print_sockd_log();
  }

  static const Testbed& net() { return bed_->bed(); }
  static SockdProcess& sockd() { return bed_->sockd(); }

  static CommandResult curl_from(const std::string& ns, std::vector<std::string> args) {
    std::vector<std::string> argv = {"curl", "--silent", "--show-error", "--max-time", "15"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Testbed::run_in(ns, argv, kClientTimeout);
  }

  static inline std::unique_ptr<FirewallBed> bed_;
  static inline std::string payload_;
};

TEST_F(FirewallTest, FirewallDoesNotForward) {
  CommandResult r =
      Testbed::run_in(net().fw(), {"sysctl", "-n", "net.ipv4.ip_forward"}, kClientTimeout);
  EXPECT_EQ(r.out, "0\n") << r.err;
}

// Control for the next test: the wan server answers anyone who can route to it.
TEST_F(FirewallTest, FwReachesWanDirectly) {
  CommandResult r = curl_from(net().fw(), {wan_url(Testbed::kWanIp)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
}

TEST_F(FirewallTest, LanCannotReachWanDirectly) {
  CommandResult r = curl_from(net().lan(), {"--connect-timeout", "2", wan_url(Testbed::kWanIp)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(FirewallTest, OnlyFwResolvesTheWanName) {
  CommandResult lan =
      Testbed::run_in(net().lan(), {"getent", "hosts", Testbed::kWanName}, kClientTimeout);
  EXPECT_NE(lan.exit_code, 0) << lan.out;
  CommandResult fw =
      Testbed::run_in(net().fw(), {"getent", "hosts", Testbed::kWanName}, kClientTimeout);
  EXPECT_EQ(fw.exit_code, 0);
  EXPECT_TRUE(fw.out.starts_with(Testbed::kWanIp)) << fw.out;
}

TEST_F(FirewallTest, CurlSocks4ThroughFirewall) {
  CommandResult r = curl_from(net().lan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanIp)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(sockd().log_lines_with({"192.0.2.2:", "198.51.100.2:8080", "granted"}).empty())
      << sockd().log();
}

TEST_F(FirewallTest, CurlSocks4aByNameOnlyFwResolves) {
  CommandResult r = curl_from(net().lan(), {"--socks4a", kSockdAddr, wan_url(Testbed::kWanName)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
}

TEST_F(FirewallTest, CurlSocks4WithLocalResolutionFailsInLan) {
  // Plain SOCKS4 makes the client resolve the name, which lan cannot do.
  CommandResult r = curl_from(net().lan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanName)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(FirewallTest, PythonSocksThroughFirewall) {
  const std::string script =
      "import socks, sys\n"
      "s = socks.socksocket()\n"
      "s.set_proxy(socks.SOCKS4, '192.0.2.1', 1080, rdns=True)\n"
      "s.settimeout(15)\n"
      "s.connect(('www.wan.test', 8080))\n"
      "s.sendall(b'GET /payload.bin HTTP/1.0\\r\\n\\r\\n')\n"
      "n = 0\n"
      "while True:\n"
      "    b = s.recv(65536)\n"
      "    if not b: break\n"
      "    sys.stdout.buffer.write(b)\n";
  CommandResult r =
      Testbed::run_in(net().lan(), {"/usr/bin/python3", "-c", script}, kClientTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200"));
  EXPECT_TRUE(r.out.ends_with(payload_)) << "got " << r.out.size() << " bytes";
}

TEST_F(FirewallTest, ClientOutsideThePermittedNetIsRefused) {
  // wan can reach sockd's lan-side address (fw accepts it on any interface), but the rules
  // permit only 192.0.2.0/24.
  CommandResult r = curl_from(net().wan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanIp)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(sockd().wait_for_log("198.51.100.2:", milliseconds(3000))) << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({"198.51.100.2:", "rejected"}).empty()) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
