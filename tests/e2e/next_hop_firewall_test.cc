// Chained firewalls (issue 14): lan | fw | fw2 | wan, no forwarding anywhere. fw resolves no
// outside name and reaches only lan and fw2; its sockd passes what it cannot resolve to sockd
// on fw2 (next_hop) and routes wan addresses there by its outbound file. From lan, through fw
// only: curl --socks4a by a name only fw2 resolves, curl --socks4 by address, tnftp in active
// mode (BIND) under socksify across both firewalls, and a dead first next hop that fails over
// to the second. Needs root; under CI=true a bed that cannot be built fails every test.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "../support/byte_stream.h"
#include "../support/firewall_bed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTimeout{60000};
constexpr const char* kHttpPort = "8080";
const std::string& kSockdAddr = FirewallBed::kSockdAddress;  // fw, facing lan
// A second sockd on fw whose first next hop is dead (nothing listens on fw2:1081).
const std::string kFailoverAddr = std::string(Testbed::kFwLanIp) + ":1081";
const std::string kFw2Hop = std::string(Testbed::kFw2DmzIp) + ":1080";
const std::string kDeadHop = std::string(Testbed::kFw2DmzIp) + ":1081";

std::string wan_url(const std::string& host) {
  return "http://" + host + ":" + kHttpPort + "/payload.bin";
}

class NextHopFirewallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>(2);
    if (!bed_->usable()) return;
    payload_.resize(1u << 20);
    ByteStream(1414).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    TempDir& files = bed_->files();
    files.write("payload.bin", payload_);
    std::filesystem::create_directories(files.file("ftp"));
    files.write("ftp/payload.bin", payload_);
    bed_->start_wan_http(files.path(), kHttpPort);
    bed_->start_server("ftp", net().wan(),
                       {"/usr/bin/python3", "-u", "-m", "pyftpdlib", "-i", Testbed::kWanIp, "-p",
                        "2121", "-d", files.file("ftp")},
                       "starting FTP server");
    // fw2 serves fw only.
    fw2_ = bed_->start_sockd_in(net().fw2(), kFw2Hop,
                                std::string("permit ") + Testbed::kFwDmzIp + "/32\n");
    outbound_ = files.write("fw.outbound", "sockd 198.51.100.0/24\ndirect 0.0.0.0/0\n");
    bed_->start_sockd(std::string(FirewallBed::kPermitLan) + "next_hop " + kFw2Hop + "\noutbound " +
                      outbound_ + "\n");
    failover_ = bed_->start_sockd_in(
        net().fw(), kFailoverAddr,
        std::string(FirewallBed::kPermitLan) + "next_hop " + kDeadHop + "," + kFw2Hop + "\n");
  }

  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override { FIREWALL_BED_SET_UP(bed_); }

  void TearDown() override {
    if (HasFailure()) bed_->print_sockd_log();
  }

  static const Testbed& net() { return bed_->bed(); }
  static SockdProcess& fw() { return bed_->sockd(); }

  static CommandResult curl_from(const std::string& ns, std::vector<std::string> args) {
    std::vector<std::string> argv = {"curl", "--silent", "--show-error", "--max-time", "15"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Testbed::run_in(ns, argv, kTimeout);
  }

  static inline std::unique_ptr<FirewallBed> bed_;
  static inline SockdProcess* fw2_ = nullptr;
  static inline SockdProcess* failover_ = nullptr;
  static inline std::string outbound_;
  static inline std::string payload_;
};

// Controls: neither firewall forwards, fw cannot reach wan itself, only fw2 resolves the name.
TEST_F(NextHopFirewallTest, OnlyFw2ReachesWanAndResolvesItsName) {
  for (const std::string& ns : {net().fw(), net().fw2()}) {
    CommandResult r = Testbed::run_in(ns, {"sysctl", "-n", "net.ipv4.ip_forward"}, kTimeout);
    EXPECT_EQ(r.out, "0\n") << ns << r.err;
  }
  EXPECT_NE(curl_from(net().fw(), {"--connect-timeout", "2", wan_url(Testbed::kWanIp)}).exit_code,
            0);
  EXPECT_EQ(curl_from(net().fw2(), {wan_url(Testbed::kWanIp)}).exit_code, 0);
  EXPECT_NE(Testbed::run_in(net().fw(), {"getent", "hosts", Testbed::kWanName}, kTimeout).exit_code,
            0);
  EXPECT_EQ(
      Testbed::run_in(net().fw2(), {"getent", "hosts", Testbed::kWanName}, kTimeout).exit_code, 0);
}

TEST_F(NextHopFirewallTest, CurlSocks4aByANameOnlyFw2Resolves) {
  CommandResult r = curl_from(net().lan(), {"--socks4a", kSockdAddr, wan_url(Testbed::kWanName)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(fw().log_lines_with({"192.0.2.2:", Testbed::kWanName,
                                    "(198.51.100.2) -> granted via " + kFw2Hop + " (next_hop)"})
                   .empty())
      << fw().log();
  EXPECT_FALSE(
      fw2_->log_lines_with({"203.0.113.1:", Testbed::kWanName, "(198.51.100.2) -> granted"})
          .empty())
      << fw2_->log();
}

TEST_F(NextHopFirewallTest, CurlSocks4ByAddressRoutedByTheOutboundFile) {
  CommandResult r = curl_from(net().lan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanIp)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(fw().log_lines_with({"192.0.2.2:", "198.51.100.2:8080 -> granted via " + kFw2Hop +
                                                      " (" + outbound_ + " line 1)"})
                   .empty())
      << fw().log();
}

TEST_F(NextHopFirewallTest, TnftpActiveModeUnderSocksifyAcrossBothFirewalls) {
  const std::string down = bed_->files().file("tnftp-down.bin");
  CommandResult r =
      Testbed::run_in(net().lan(),
                      {Testbed::socksify_path(), "-s", kSockdAddr, "ftp", "-A", "-V", "-o", down,
                       std::string("ftp://") + Testbed::kWanIp + ":2121/payload.bin"},
                      kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes";
  // The data channel: a BIND on fw sent to fw2, which listened on its outside address.
  EXPECT_TRUE(fw().wait_for_log("BIND inbound via " + kFw2Hop, milliseconds(5000))) << fw().log();
  EXPECT_FALSE(
      fw().log_lines_with({"BIND user=", "(next hop listening on 198.51.100.1:", "via " + kFw2Hop})
          .empty())
      << fw().log();
  EXPECT_FALSE(fw2_->log_lines_with({"BIND inbound from 198.51.100.2:", "granted"}).empty())
      << fw2_->log();
}

TEST_F(NextHopFirewallTest, DeadFirstNextHopFailsOverToTheSecond) {
  CommandResult r =
      curl_from(net().lan(), {"--socks4a", kFailoverAddr, wan_url(Testbed::kWanName)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(failover_->log_lines_with({"next hop " + kDeadHop, "Connection refused"}).empty())
      << failover_->log();
  EXPECT_FALSE(failover_->log_lines_with({"granted via " + kFw2Hop}).empty()) << failover_->log();
}

}  // namespace
}  // namespace socks4::test
