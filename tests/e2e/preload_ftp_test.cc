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
    std::string socksify = socksified ? Testbed::socksify_path() + " -s " + kSockdAddr + " " : "";
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

// By a name only fw resolves, getpeername() of the connection reports the address sockd
// connected to (its 4a reply names it), so a program can compare it with the addresses the
// peer announces (FTP PASV). The fake address the name got in lan keeps working: getnameinfo
// gives the name back, and a second connection to it is a 4a CONNECT again.
TEST_F(PreloadFtpTest, PeerOfAConnectionByNameIsTheAddressSockdReached) {
  const std::string script = files().write("peer.py", R"(
import socket, sys
name = sys.argv[1]
s = socket.create_connection((name, 2121), timeout=15)
fake = socket.getaddrinfo(name, 2121, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
again = socket.create_connection((fake, 2121), timeout=15)
print(s.getpeername()[0], socket.getnameinfo((fake, 2121), 0)[0], again.recv(3).decode())
)");
  CommandResult r = in_lan_shell("/usr/bin/python3 " + script + " " + kWanName);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, kWanIp + " " + kWanName + " 220\n");
  EXPECT_EQ(sockd().log_lines_with({"CONNECT", kWanName + ":2121", "granted"}).size(), 2u)
      << sockd().log();
}

// inetutils-ftp checks the PASV address against the address its resolver returned (the fake
// address), not against getpeername(), so by a name only fw resolves plain PASV cannot work
// (socksify(1)); its epsv4 command makes it use EPSV, which carries only a port, and the data
// connection goes to the fake address: a 4a CONNECT by name.
TEST_F(PreloadFtpTest, InetutilsPassiveByANameOnlyTheFirewallResolvesWithEpsv4) {
  const std::string down = files().file("inetutils-down.bin");
  CommandResult r =
      in_lan_shell("inetutils-ftp -p -n -v " + kWanName + " 2121 <<'EOF'\n" +
                   "user anonymous guest\nepsv4\nbinary\nget payload.bin " + down + "\nquit\nEOF");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes\n"
                                                << r.out << r.err;
}

}  // namespace
}  // namespace socks4::test
