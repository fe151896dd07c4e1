// The plain BSD C program, SOCKSified with the -D renames and -lsocks, in the firewall test
// bed (docs/ARCHITECTURE.md, "Test beds"): from lan it reaches wan through sockd on fw, by address
// and by a name only fw can resolve (4a), and it does the FTP active pattern through sockd's BIND;
// without SOCKS it cannot reach wan at all. Needs root for network namespaces: under CI=true a
// failure to build the test bed fails every test; elsewhere a non-root run is skipped with the
// reason.
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
constexpr const char* kPortServerPort = "2100";
const std::string kGreeting = "150 here is your data connection\r\n";

// The server half of FTP active mode on wan: for each control connection, reads one PORT line,
// prints it, connects to that address from wan's own address and sends the greeting there.
const char* const kPortServer = R"(
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
greeting = sys.argv[3].encode()
listener = socket.create_server((host, port))
print('ready', flush=True)
while True:
    control, _ = listener.accept()
    with control:
        control.settimeout(10)
        line = control.makefile('rb').readline(100).decode(errors='replace').strip()
        print('got', line, flush=True)
        try:
            fields = [int(f) for f in line.removeprefix('PORT ').split(',')]
            if not line.startswith('PORT ') or len(fields) != 6: raise ValueError(line)
        except ValueError:
            control.sendall(b'500 expected PORT\r\n')
            continue
        address = ('.'.join(map(str, fields[:4])), fields[4] << 8 | fields[5])
        try:
            data = socket.create_connection(address, timeout=10, source_address=(host, 0))
        except OSError as e:
            print('cannot connect back:', e, flush=True)
            control.sendall(b'425 cannot open data connection\r\n')
            continue
        with data:
            control.sendall(b'200 PORT ok\r\n')
            data.sendall(greeting)
)";
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
    bed_->start_server("port", bed_->bed().wan(),
                       {"/usr/bin/python3", "-u", files.write("port_server.py", kPortServer),
                        Testbed::kWanIp, kPortServerPort, kGreeting},
                       "ready");
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

TEST_F(ClientTestbedTest, PlainClientDoesTheFtpActivePatternThroughSockdBind) {
  CommandResult r = plain_in_lan(through_fw_, {"active", Testbed::kWanIp, kPortServerPort});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kGreeting);
  // The program announced fw's outside address (where wan can reach it), not its own lan
  // address nor 0.0.0.0, and the inbound connection came from the wan server.
  const std::string announced = std::string("bound ") + Testbed::kFwWanIp + ":";
  EXPECT_NE(r.err.find(announced), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::string("accepted from ") + Testbed::kWanIp), std::string::npos)
      << r.err;
  const std::string server_saw = read_text_file(bed_->files().file("port.out"));
  EXPECT_NE(server_saw.find("got PORT 198,51,100,1,"), std::string::npos) << server_saw;
  EXPECT_EQ(server_saw.find("got PORT 192,0,2,"), std::string::npos) << server_saw;
  EXPECT_EQ(server_saw.find("got PORT 0,0,0,0,"), std::string::npos) << server_saw;
  // sockd granted the BIND from lan, listening outside, and then the inbound from wan.
  const std::string inbound = std::string("BIND inbound from ") + Testbed::kWanIp + ":";
  EXPECT_TRUE(sockd().wait_for_log(inbound, milliseconds(5000))) << sockd().log();
  EXPECT_FALSE(sockd()
                   .log_lines_with({"192.0.2.2:", " BIND user=lanuser",
                                    std::string(Testbed::kWanIp) + ":" + kPortServerPort,
                                    std::string("-> granted (listening on ") + Testbed::kFwWanIp})
                   .empty())
      << sockd().log();
  EXPECT_FALSE(sockd().log_lines_with({inbound, "-> granted"}).empty()) << sockd().log();
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
