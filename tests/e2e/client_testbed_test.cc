// The plain BSD C program, SOCKSified with the -D renames and -lsocks, in the firewall test
// bed (DESIGN §6): from lan it reaches wan through sockd on fw, by address and by a name only
// fw can resolve (4a); without SOCKS it cannot reach wan at all. Needs root for network
// namespaces: under CI=true a failure to build the test bed fails every test; elsewhere a
// non-root run is skipped with the reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "../integration/client_plain_path.h"
#include "../support/sockd_process.h"
#include "../support/temp_dir.h"
#include "../support/testbed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kRunTimeout{20000};
constexpr const char* kHttpPort = "8080";
const std::string kSockdAddr = std::string(Testbed::kFwLanIp) + ":1080";

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

class ClientTestbedTest : public ::testing::Test {
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
    for (int i = 0; i < 400; ++i) payload_ += "line " + std::to_string(i) + " of the wan page\n";
    files_->write("page.txt", payload_);
    through_fw_ = files_->write("socks.conf", "sockd @=" + kSockdAddr + " 198.51.100.0/24\n" +
                                                  "sockd @=" + kSockdAddr + " .wan.test\n");
    direct_ = files_->write("direct.conf", "direct 0.0.0.0/0\n");
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

  static void start_sockd() {
    SockdOptions options;
    options.command_prefix = Testbed::in(bed_->fw(), {});
    options.listen = "";  // from the config's listen directive
    options.full_config = "listen " + kSockdAddr + "\nhosts_file " + bed_->fw_hosts_file() +
                          "\nresolv_conf " + bed_->fw_resolv_conf() +
                          "\npermit 192.0.2.0 255.255.255.0\n";
    sockd_ = std::make_unique<SockdProcess>(options);
    if (!sockd_->start()) setup_error_ = "sockd in fw did not start: " + sockd_->error();
  }

  static void TearDownTestSuite() {
    sockd_.reset();  // processes first: they live in the namespaces
    http_.reset();
    if (bed_) bed_->down();
    bed_.reset();
    files_.reset();
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }
  void TearDown() override {
    if (HasFailure() && sockd_) std::cerr << "--- sockd stderr:\n" << sockd_->log() << "---\n";
  }

  // The plain client in lan with socks.conf `conf`.
  static CommandResult plain_in_lan(const std::string& conf, std::vector<std::string> args) {
    std::vector<std::string> argv = {"env", "SOCKS_CONF=" + conf, "SOCKS_USERNAME=lanuser",
                                     plain_client_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return Testbed::run_in(bed_->lan(), argv, kRunTimeout);
  }

  static inline std::unique_ptr<Testbed> bed_;
  static inline std::unique_ptr<TempDir> files_;
  static inline std::unique_ptr<ChildProcess> http_;
  static inline std::unique_ptr<SockdProcess> sockd_;
  static inline std::string payload_, through_fw_, direct_;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
};

TEST_F(ClientTestbedTest, PlainClientReachesWanByAddressThroughSockd) {
  CommandResult r = plain_in_lan(through_fw_, {Testbed::kWanIp, kHttpPort, "/page.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.0 200")) << r.out.substr(0, 200);
  EXPECT_TRUE(r.out.ends_with(payload_)) << "got " << r.out.size() << " bytes";
  EXPECT_FALSE(sockd_
                   ->log_lines_with({"192.0.2.2:", "CONNECT user=lanuser",
                                     std::string(Testbed::kWanIp) + ":8080", "granted"})
                   .empty())
      << sockd_->log();
}

TEST_F(ClientTestbedTest, PlainClientReachesWanByANameOnlyFwResolves) {
  CommandResult r = plain_in_lan(through_fw_, {Testbed::kWanName, kHttpPort, "/page.txt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with(payload_)) << "got " << r.out.size() << " bytes";
  // A 4a request: sockd got the name, not an address the client made up.
  EXPECT_FALSE(
      sockd_->log_lines_with({"192.0.2.2:", std::string(Testbed::kWanName) + ":8080", "granted"})
          .empty())
      << sockd_->log();
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
