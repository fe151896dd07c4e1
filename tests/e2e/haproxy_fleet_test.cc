// Two sockd behind HAProxy on the firewall test bed (docs/DEPLOYMENT.md): HAProxy on fw
// (192.0.2.1:1080, tcp mode, `balance source`, `send-proxy-v2`, health checks) in front of
// sockd A (192.0.2.1:1081) and sockd B (192.0.2.1:1082), both `listen ... proxy_protocol` with
// `proxy_from 192.0.2.1/32`. Clients in lan are served and logged by their own address, a rule
// on a lan address holds, active FTP (BIND) works through it — the data connection from wan
// goes to the serving sockd's BIND port directly, not through HAProxy — and when the serving
// sockd stops, HAProxy's check takes it out and every later request is served by the other.
// Needs root; under CI=true a bed that cannot be built fails every test.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>

#include "../support/byte_stream.h"
#include "../support/firewall_bed.h"
#include "../support/socket_io.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTimeout{60000};
constexpr milliseconds kDownBound{10000};
constexpr const char* kHttpPort = "8080";
constexpr const char* kDeniedLanIp = "192.0.2.3";  // a second lan address, denied by the rules
const std::string kBalancer = std::string(Testbed::kFwLanIp) + ":1080";
const std::string kFtpUrl = std::string("ftp://") + Testbed::kWanIp + ":2121/";

std::string wan_url() {
  return std::string("http://") + Testbed::kWanIp + ":" + kHttpPort + "/payload.bin";
}

std::string sockd_config(int port) {
  return "listen 192.0.2.1:" + std::to_string(port) +
         " proxy_protocol\n"
         "proxy_from 192.0.2.1/32\n"
         "deny 192.0.2.3/32\n"
         "permit 192.0.2.0/24\n";
}

std::string haproxy_config(const std::string& stats_socket) {
  return "global\n"
         "    stats socket " +
         stats_socket +
         " mode 600 level admin\n"
         "    log stderr format raw local0 info\n"
         "defaults\n"
         "    mode tcp\n"
         "    log global\n"
         "    timeout connect 2s\n"
         "    timeout client 60s\n"
         "    timeout server 60s\n"
         "frontend socks\n"
         "    bind 192.0.2.1:1080\n"
         "    default_backend sockd\n"
         "backend sockd\n"
         "    balance source\n"
         "    server a 192.0.2.1:1081 send-proxy-v2 check check-send-proxy inter 200ms fall 2 "
         "rise 2\n"
         "    server b 192.0.2.1:1082 send-proxy-v2 check check-send-proxy inter 200ms fall 2 "
         "rise 2\n";
}

// One command on HAProxy's stats socket; its whole answer ("" if it cannot be reached).
std::string haproxy_command(const std::string& socket_path, const std::string& command) {
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (!fd || socket_path.size() >= sizeof address.sun_path) return "";
  memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return "";
  set_io_timeout(fd.get(), milliseconds(2000));
  if (!send_all(fd.get(), command + "\n")) return "";
  return read_until_closed(fd.get(), milliseconds(2000)).data;
}

// The status column ("UP", "DOWN", "UP 1/2", ...) of backend sockd's server `name`.
std::string server_status(const std::string& socket_path, const std::string& name) {
  std::istringstream csv(haproxy_command(socket_path, "show stat"));
  std::string line;
  int status_column = -1;
  while (std::getline(csv, line)) {
    std::vector<std::string> fields;
    std::stringstream split(line);
    for (std::string field; std::getline(split, field, ',');) fields.push_back(field);
    if (line.starts_with("# ")) {
      for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i] == "status") status_column = static_cast<int>(i);
    } else if (fields.size() > 1 && fields[0] == "sockd" && fields[1] == name &&
               status_column >= 0 && static_cast<size_t>(status_column) < fields.size()) {
      return fields[status_column];
    }
  }
  return "";
}

// Waits (bounded) until server `name` has `status`.
bool wait_for_status(const std::string& socket_path, const std::string& name,
                     const std::string& status, milliseconds bound) {
  const auto deadline = Clock::now() + bound;
  while (Clock::now() < deadline) {
    if (server_status(socket_path, name) == status) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return false;
}

class HaproxyFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    CommandResult extra = Testbed::run_in(
        net().lan(), {"ip", "addr", "add", std::string(kDeniedLanIp) + "/24", "dev", "fw0"},
        milliseconds(10000));
    if (extra.exit_code != 0) {
      setup_error_ = "cannot add " + std::string(kDeniedLanIp) + " to lan: " + extra.err;
      return;
    }
    payload_.resize(1u << 20);
    ByteStream(1414).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    files().write("payload.bin", payload_);
    std::filesystem::create_directories(files().file("ftp"));
    files().write("ftp/payload.bin", payload_);
    bed_->start_wan_http(files().path(), kHttpPort);
    bed_->start_server("ftp", net().wan(),
                       {"/usr/bin/python3", "-u", "-m", "pyftpdlib", "-i", Testbed::kWanIp, "-p",
                        "2121", "-d", files().file("ftp")},
                       "starting FTP server");
    bed_->start_another_sockd(sockd_config(1081));
    bed_->start_another_sockd(sockd_config(1082));
    stats_ = files().file("haproxy.sock");
    const std::string config = files().write("haproxy.cfg", haproxy_config(stats_));
    // -V prints the polling line once the frontend is bound.
    bed_->start_server("haproxy", net().fw(), {"haproxy", "-V", "-db", "-f", config},
                       "as the polling mechanism");
    if (!bed_->usable()) return;
    for (const char* name : {"a", "b"}) {
      if (!wait_for_status(stats_, name, "UP", kDownBound))
        setup_error_ = std::string("haproxy never saw sockd ") + name +
                       " UP: " + haproxy_command(stats_, "show stat");
    }
  }

  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override {
    FIREWALL_BED_SET_UP(bed_);
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  void TearDown() override {
    if (HasFailure()) {
      bed_->print_sockd_log();
      std::cerr << "--- haproxy stderr:\n"
                << read_text_file(files().file("haproxy.err")) << "---\n";
    }
  }

  static const Testbed& net() { return bed_->bed(); }
  static TempDir& files() { return bed_->files(); }

  static CommandResult curl_from_lan(std::vector<std::string> args) {
    std::vector<std::string> argv = {"curl", "--silent", "--show-error", "--max-time", "15"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Testbed::run_in(net().lan(), argv, kTimeout);
  }

  // Log lines of sockd i (0: A, 1: B) that contain every needle.
  static size_t lines(size_t i, const std::vector<std::string>& needles) {
    return bed_->sockd(i).log_lines_with(needles).size();
  }
  static size_t granted_to_lan(size_t i) { return lines(i, {"192.0.2.2:", "-> granted"}); }

  static inline std::unique_ptr<FirewallBed> bed_;
  static inline std::string payload_;
  static inline std::string stats_;
  static inline std::string setup_error_;
};

TEST_F(HaproxyFleetTest, LanClientIsServedAndLoggedByItsOwnAddress) {
  CommandResult r = curl_from_lan({"--socks4", kBalancer, wan_url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == payload_) << "got " << r.out.size() << " bytes";
  // Exactly one sockd served it, and saw the client, not HAProxy (192.0.2.1).
  EXPECT_EQ(granted_to_lan(0) + granted_to_lan(1), 1u);
  EXPECT_EQ(lines(0, {"192.0.2.1:", "CONNECT"}) + lines(1, {"192.0.2.1:", "CONNECT"}), 0u);
}

TEST_F(HaproxyFleetTest, RuleOnTheRealClientAddressHolds) {
  CommandResult r = curl_from_lan({"--interface", kDeniedLanIp, "--socks4", kBalancer, wan_url()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  const std::vector<std::string> refused = {std::string(kDeniedLanIp) + ":", "-> rejected",
                                            "denied by rule"};
  EXPECT_EQ(lines(0, refused) + lines(1, refused), 1u);
}

TEST_F(HaproxyFleetTest, ClientGoingAroundTheBalancerIsRefused) {
  // Straight to sockd A's port from lan: no header could be believed from 192.0.2.2.
  CommandResult r = curl_from_lan({"--socks4", "192.0.2.1:1081", wan_url()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_TRUE(bed_->sockd(0).wait_for_log("192.0.2.2:", milliseconds(3000)));
  EXPECT_EQ(lines(0, {"192.0.2.2:", "refused: not in proxy_from"}), 1u) << bed_->sockd(0).log();
}

TEST_F(HaproxyFleetTest, ActiveFtpThroughTheBalancer) {
  const size_t binds_before = lines(0, {"BIND inbound from 198.51.100.2:", "-> granted"}) +
                              lines(1, {"BIND inbound from 198.51.100.2:", "-> granted"});
  const std::string down = files().file("ftp-down.bin");
  CommandResult r = Testbed::run_in(net().lan(),
                                    {Testbed::socksify_path(), "-s", kBalancer, "ftp", "-A", "-V",
                                     "-o", down, kFtpUrl + "payload.bin"},
                                    kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes";
  // The BIND was granted to the lan client at fw's outside address, and its inbound
  // connection from wan came to that sockd directly.
  const std::vector<std::string> bind = {
      "192.0.2.2:", " BIND user=", "-> granted (listening on 198.51.100.1:"};
  EXPECT_GE(lines(0, bind) + lines(1, bind), 1u);
  EXPECT_GT(lines(0, {"BIND inbound from 198.51.100.2:", "-> granted"}) +
                lines(1, {"BIND inbound from 198.51.100.2:", "-> granted"}),
            binds_before);
}

// Last in the suite: it stops a sockd.
TEST_F(HaproxyFleetTest, StoppedSockdIsTakenOutAndNoLaterRequestFails) {
  const size_t a_before = granted_to_lan(0);
  const size_t b_before = granted_to_lan(1);
  CommandResult r = curl_from_lan({"--socks4", kBalancer, wan_url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // `balance source`: this client's server.
  const size_t serving = granted_to_lan(0) > a_before ? 0 : 1;
  ASSERT_EQ(granted_to_lan(serving == 0 ? 0 : 1), (serving == 0 ? a_before : b_before) + 1);
  const size_t other = 1 - serving;
  const std::string serving_name = serving == 0 ? "a" : "b";
  const std::string other_name = serving == 0 ? "b" : "a";

  ChildProcess& stopped = bed_->sockd(serving).process();
  ASSERT_TRUE(stopped.signal(SIGTERM));  // by its pid
  ASSERT_TRUE(stopped.wait(milliseconds(10000)));
  ASSERT_TRUE(wait_for_status(stats_, serving_name, "DOWN", kDownBound))
      << haproxy_command(stats_, "show stat");
  EXPECT_NE(
      read_text_file(files().file("haproxy.err")).find("Server sockd/" + serving_name + " is DOWN"),
      std::string::npos);
  EXPECT_EQ(server_status(stats_, other_name), "UP");

  const size_t other_before = granted_to_lan(other);
  constexpr int kRequests = 10;
  for (int i = 0; i < kRequests; ++i) {
    CommandResult again = curl_from_lan({"--socks4", kBalancer, wan_url()});
    ASSERT_EQ(again.exit_code, 0) << "request " << i << ": " << again.err;
    EXPECT_TRUE(again.out == payload_) << "request " << i << ": " << again.out.size() << " bytes";
  }
  EXPECT_EQ(granted_to_lan(other), other_before + kRequests);
}

}  // namespace
}  // namespace socks4::test
