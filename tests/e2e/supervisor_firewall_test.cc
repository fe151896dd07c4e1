// Programs the preload cannot reach, in lan under socksify's seccomp supervisor, reach wan
// through sockd on fw (docs/ARCHITECTURE.md, "Test beds"): a statically linked C program, a Go
// program built here (50 goroutines at once), hey (Go) by address and by a name only fw
// resolves, busybox-static's wget and aria2c (c-ares) by that name. Each also fails without
// socksify, which shows the firewall holds. Needs root; under CI=true a test bed that cannot be
// built fails every test.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "../support/firewall_bed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTimeout{60000};
const std::string kWanIp = Testbed::kWanIp;
const std::string kWanName = Testbed::kWanName;

const char* const kWanEcho = R"(
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 7007)); s.listen(128)
def echo(c):
    while True:
        b = c.recv(1 << 16)
        if not b: break
        c.sendall(b)
    c.close()
print('ready', flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
)";

// <build>/tests/<name>, next to the test binary.
std::string test_program(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / name).string();
}

class SupervisorFirewallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    std::filesystem::create_directories(bed_->files().file("www"));
    bed_->files().write("www/page.txt", "a page from wan\n");
    bed_->start_wan_http(bed_->files().file("www"));
    bed_->start_server("echo", bed_->bed().wan(),
                       {"/usr/bin/python3", "-u", bed_->files().write("echo.py", kWanEcho), kWanIp},
                       "ready");
    bed_->start_sockd();
  }
  static void TearDownTestSuite() { bed_.reset(); }
  void SetUp() override { FIREWALL_BED_SET_UP(bed_); }
  void TearDown() override {
    if (HasFailure()) bed_->print_sockd_log();
  }

  // argv in lan, under socksify (default method and name resolution) or plain.
  static CommandResult in_lan(std::vector<std::string> argv, bool socksified = true) {
    if (socksified) {
      argv.insert(argv.begin(), {Testbed::socksify_path(), "-s", FirewallBed::kSockdAddress});
    }
    return Testbed::run_in(bed_->bed().lan(), argv, kTimeout);
  }
  static size_t granted(const std::string& destination) {
    bed_->sockd().wait_for_log(destination, milliseconds(5000));
    return bed_->sockd().log_lines_with({"192.0.2.2:", " " + destination + " ", "granted"}).size();
  }
  static std::string page_url(const std::string& host) {
    return "http://" + host + ":8080/page.txt";
  }

  static inline std::unique_ptr<FirewallBed> bed_;
};

TEST_F(SupervisorFirewallTest, StaticProgramByAddress) {
  std::vector<std::string> argv = {test_program("supervised_client_static"), kWanIp, "7007",
                                   "static through fw"};
  CommandResult r = in_lan(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("peer " + kWanIp + ":7007\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("echo static through fw\n"), std::string::npos) << r.out;
  EXPECT_GE(granted(kWanIp + ":7007"), 1u);
  // fw drops it: the connect never completes (timeout(1) ends it, status 124).
  argv.insert(argv.begin(), {"/usr/bin/timeout", "3"});
  CommandResult plain = in_lan(argv, false);
  EXPECT_EQ(plain.exit_code, 124) << plain.err;
  EXPECT_EQ(plain.out.find("echo"), std::string::npos) << plain.out;
}

TEST_F(SupervisorFirewallTest, GoProgramFiftyConnectionsByName) {
  size_t before = granted(kWanName + ":7007");
  std::vector<std::string> argv = {test_program("supervised_go_client"), "-n", "50",
                                   kWanName + ":7007"};
  CommandResult r = in_lan(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok 50\n"), std::string::npos) << r.out;
  EXPECT_EQ(granted(kWanName + ":7007"), before + 50);
  CommandResult plain = in_lan(argv, false);
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_EQ(plain.out.find("ok 50"), std::string::npos);
}

TEST_F(SupervisorFirewallTest, HeyByAddressAndByName) {
  for (const std::string& host : {kWanIp, kWanName}) {
    std::vector<std::string> argv = {"/usr/bin/hey",       "-n",          "10", "-c", "2",
                                     "-disable-keepalive", page_url(host)};
    CommandResult r = in_lan(argv);
    ASSERT_EQ(r.exit_code, 0) << host << ": " << r.err;
    EXPECT_NE(r.out.find("[200]\t10 responses"), std::string::npos) << host << ": " << r.out;
    EXPECT_GE(granted(host + ":8080"), 10u) << host;
  }
  CommandResult plain =
      in_lan({"/usr/bin/hey", "-n", "1", "-c", "1", "-t", "2", page_url(kWanIp)}, false);
  EXPECT_EQ(plain.out.find("[200]"), std::string::npos) << plain.out;
}

TEST_F(SupervisorFirewallTest, BusyboxWgetAndAria2cByName) {
  CommandResult wget = in_lan({"/bin/busybox", "wget", "-q", "-O", "-", page_url(kWanName)});
  ASSERT_EQ(wget.exit_code, 0) << wget.err;
  EXPECT_EQ(wget.out, "a page from wan\n");
  const std::string dir = bed_->files().file("aria");
  std::filesystem::create_directories(dir);
  CommandResult aria =
      in_lan({"/usr/bin/aria2c", "--max-tries=1", "--timeout=20", "--summary-interval=0", "-d", dir,
              "-o", "page.txt", page_url(kWanName)});
  ASSERT_EQ(aria.exit_code, 0) << aria.out << aria.err;
  EXPECT_EQ(read_text_file(dir + "/page.txt"), "a page from wan\n");
  EXPECT_GE(granted(kWanName + ":8080"), 2u);
  CommandResult plain =
      in_lan({"/bin/busybox", "wget", "-q", "-T", "2", "-O", "-", page_url(kWanName)}, false);
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_TRUE(plain.out.empty());
}

}  // namespace
}  // namespace socks4::test
