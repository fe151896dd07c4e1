// End to end through a real firewall (DESIGN §6): lan reaches wan only through sockd on fw.
// Needs root for network namespaces. Under CI=true a failure to build the test bed fails every
// test; elsewhere a non-root run is skipped with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "../support/byte_stream.h"
#include "../support/sockd_process.h"
#include "../support/temp_dir.h"
#include "../support/testbed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kClientTimeout{20000};
constexpr const char* kHttpPort = "8080";
const std::string kSockdAddr = std::string(Testbed::kFwLanIp) + ":1080";

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

std::string wan_url(const std::string& host) {
  return "http://" + host + ":" + kHttpPort + "/payload.bin";
}

class FirewallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0 && !in_ci()) {
      skip_reason_ = "network namespaces need root (run as root, or with CI=true to insist)";
      return;
    }
    bed_ = std::make_unique<Testbed>();
    if (!bed_->up()) {
      setup_error_ = "cannot build the test bed: " + bed_->error();
      return;
    }
    files_ = std::make_unique<TempDir>();
    payload_.resize(2u << 20);
    ByteStream(2024).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    files_->write("payload.bin", payload_);
    if (start_http_server()) start_sockd();
  }

  static bool start_http_server() {
    LaunchOptions http;
    http.argv =
        Testbed::in(bed_->wan(), {"/usr/bin/python3", "-u", "-m", "http.server", kHttpPort,
                                  "--bind", Testbed::kWanIp, "--directory", files_->path()});
    http.stdout_path = files_->file("http.out");
    http.stderr_path = files_->file("http.err");
    http_ = std::make_unique<ChildProcess>(http);
    const auto deadline = Clock::now() + milliseconds(10000);
    while (read_text_file(http.stdout_path).find("Serving HTTP") == std::string::npos) {
      if (!http_->running() || Clock::now() >= deadline) {
        setup_error_ = "HTTP server in wan did not start: " + read_text_file(http.stderr_path);
        return false;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  }

  static bool start_sockd() {
    SockdOptions options;
    options.command_prefix = Testbed::in(bed_->fw(), {});
    options.listen = "";  // from the config's listen directive
    options.full_config = "listen " + kSockdAddr + "\nhosts_file " + bed_->fw_hosts_file() +
                          "\nresolv_conf " + bed_->fw_resolv_conf() +
                          "\npermit 192.0.2.0 255.255.255.0\n";
    sockd_ = std::make_unique<SockdProcess>(options);
    if (!sockd_->start()) {
      sockd_error_ = "sockd in fw did not start: " + sockd_->error();
      return false;
    }
    return true;
  }

  static void TearDownTestSuite() {
    // Processes first (they live in the namespaces), then the namespaces and /etc/netns files.
    sockd_.reset();
    http_.reset();
    if (bed_) bed_->down();
    bed_.reset();
    files_.reset();
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  // For tests that go through sockd (the others check the test bed itself).
  static void require_sockd() { ASSERT_TRUE(sockd_error_.empty()) << sockd_error_; }

  void TearDown() override {
    if (HasFailure() && sockd_) std::cerr << "--- sockd stderr:\n" << sockd_->log() << "---\n";
  }

  static CommandResult curl_from(const std::string& ns, std::vector<std::string> args) {
    std::vector<std::string> argv = {"curl", "--silent", "--show-error", "--max-time", "15"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Testbed::run_in(ns, argv, kClientTimeout);
  }

  static inline std::unique_ptr<Testbed> bed_;
  static inline std::unique_ptr<TempDir> files_;
  static inline std::unique_ptr<ChildProcess> http_;
  static inline std::unique_ptr<SockdProcess> sockd_;
  static inline std::string payload_;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
  static inline std::string sockd_error_;
};

TEST_F(FirewallTest, FirewallDoesNotForward) {
  CommandResult r =
      Testbed::run_in(bed_->fw(), {"sysctl", "-n", "net.ipv4.ip_forward"}, kClientTimeout);
  EXPECT_EQ(r.out, "0\n") << r.err;
}

// Control for the next test: the wan server answers anyone who can route to it.
TEST_F(FirewallTest, FwReachesWanDirectly) {
  CommandResult r = curl_from(bed_->fw(), {wan_url(Testbed::kWanIp)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
}

TEST_F(FirewallTest, LanCannotReachWanDirectly) {
  CommandResult r = curl_from(bed_->lan(), {"--connect-timeout", "2", wan_url(Testbed::kWanIp)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(FirewallTest, OnlyFwResolvesTheWanName) {
  CommandResult lan =
      Testbed::run_in(bed_->lan(), {"getent", "hosts", Testbed::kWanName}, kClientTimeout);
  EXPECT_NE(lan.exit_code, 0) << lan.out;
  CommandResult fw =
      Testbed::run_in(bed_->fw(), {"getent", "hosts", Testbed::kWanName}, kClientTimeout);
  EXPECT_EQ(fw.exit_code, 0);
  EXPECT_TRUE(fw.out.starts_with(Testbed::kWanIp)) << fw.out;
}

TEST_F(FirewallTest, CurlSocks4ThroughFirewall) {
  ASSERT_NO_FATAL_FAILURE(require_sockd());
  CommandResult r = curl_from(bed_->lan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanIp)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(sockd_->log_lines_with({"192.0.2.2:", "198.51.100.2:8080", "granted"}).empty())
      << sockd_->log();
}

TEST_F(FirewallTest, CurlSocks4aByNameOnlyFwResolves) {
  ASSERT_NO_FATAL_FAILURE(require_sockd());
  CommandResult r = curl_from(bed_->lan(), {"--socks4a", kSockdAddr, wan_url(Testbed::kWanName)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
}

TEST_F(FirewallTest, CurlSocks4WithLocalResolutionFailsInLan) {
  // Plain SOCKS4 makes the client resolve the name, which lan cannot do.
  CommandResult r = curl_from(bed_->lan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanName)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
}

TEST_F(FirewallTest, PythonSocksThroughFirewall) {
  ASSERT_NO_FATAL_FAILURE(require_sockd());
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
      Testbed::run_in(bed_->lan(), {"/usr/bin/python3", "-c", script}, kClientTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200"));
  EXPECT_TRUE(r.out.ends_with(payload_)) << "got " << r.out.size() << " bytes";
}

TEST_F(FirewallTest, ClientOutsideThePermittedNetIsRefused) {
  ASSERT_NO_FATAL_FAILURE(require_sockd());
  // wan can reach sockd's lan-side address (fw accepts it on any interface), but the rules
  // permit only 192.0.2.0/24.
  CommandResult r = curl_from(bed_->wan(), {"--socks4", kSockdAddr, wan_url(Testbed::kWanIp)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(sockd_->wait_for_log("198.51.100.2:", milliseconds(3000))) << sockd_->log();
  EXPECT_FALSE(sockd_->log_lines_with({"198.51.100.2:", "rejected"}).empty()) << sockd_->log();
}

}  // namespace
}  // namespace socks4::test
