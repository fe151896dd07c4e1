// FTP clients in lan reach pyftpdlib in wan under socksify, through a sockd on fw that permits
// CONNECT only: passive mode needs no BIND, whatever the client does with its data socket
// before connecting it. Needs root; under CI=true a test bed that cannot be built fails every
// test.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "../support/byte_stream.h"
#include "../support/firewall_bed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTimeout{60000};
const std::string& kSockdAddr = FirewallBed::kSockdAddress;
const std::string kWanIp = Testbed::kWanIp;
const std::string kWanName = Testbed::kWanName;

std::string socksify_path() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "socksify" : (self.parent_path().parent_path() / "socksify").string();
}

class PreloadFtpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    payload_.resize(1u << 20);
    ByteStream(2026).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    std::filesystem::create_directories(files().file("ftp"));
    files().write("ftp/payload.bin", payload_);
    bed_->start_server("ftp", net().wan(),
                       {"/usr/bin/python3", "-u", "-m", "pyftpdlib", "-i", kWanIp, "-p", "2121",
                        "-d", files().file("ftp")},
                       "starting FTP server");
    bed_->start_sockd("permit connect 192.0.2.0 255.255.255.0\n");  // no BIND
  }

  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override { FIREWALL_BED_SET_UP(bed_); }

  void TearDown() override {
    if (HasFailure()) bed_->print_sockd_log();
  }

  static const Testbed& net() { return bed_->bed(); }
  static TempDir& files() { return bed_->files(); }
  static SockdProcess& sockd() { return bed_->sockd(); }

  // A shell command line in lan, under socksify when `socksified`.
  static CommandResult in_lan_shell(const std::string& command, bool socksified = true) {
    std::string socksify = socksified ? socksify_path() + " -s " + kSockdAddr + " " : "";
    return Testbed::run_in(net().lan(), {"/bin/sh", "-c", "exec " + socksify + command}, kTimeout);
  }

  static std::unique_ptr<FirewallBed> bed_;
  static std::string payload_;
};

std::unique_ptr<FirewallBed> PreloadFtpTest::bed_;
std::string PreloadFtpTest::payload_;

// lftp binds its passive data socket to port 0 (at the control connection's local address)
// before connecting it. That bind must not become a SOCKS BIND (refused here): the connect is
// a CONNECT.
TEST_F(PreloadFtpTest, LftpPassiveDownloadWithConnectOnly) {
  const std::string down = files().file("lftp-down.bin");
  CommandResult r = in_lan_shell(
      "lftp -c 'set ftp:passive-mode true; set ftp:ssl-allow false; set net:max-retries 1; "
      "set net:timeout 15; open -u anonymous,guest ftp://" +
      kWanIp + ":2121; get payload.bin -o " + down + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes";
  // The control connection and the data connection, both CONNECTs. (lftp asks getsockname for
  // the data socket's port before connecting it; the BIND negotiated ahead for that answer is
  // refused and changes nothing.)
  EXPECT_EQ(sockd().log_lines_with({"CONNECT", kWanIp + ":", "granted"}).size(), 2u)
      << sockd().log();
  CommandResult plain =
      in_lan_shell("timeout 5 lftp -c 'set net:max-retries 1; set net:timeout 3; open ftp://" +
                       kWanIp + ":2121; ls'",
                   false);
  EXPECT_NE(plain.exit_code, 0);
}

}  // namespace
}  // namespace socks4::test
