// sockd's BIND on the firewall test bed (docs/ARCHITECTURE.md, "Test beds"): tnftp in ACTIVE mode
// in lan downloads and uploads through sockd on fw from pyftpdlib in wan, socksified by Dante's
// socksify (Debian dante-client, SOCKS 4), by our own preload and by our seccomp supervisor. The
// data connection comes from wan to the address sockd announced — fw's outside address
// 198.51.100.1, never 192.0.2.1 or 0.0.0.0. A raw client in lan shows the refusals: no primary
// connection, and an inbound connection from another wan address (198.51.100.3). Needs root;
// under CI=true a bed that cannot be built fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <thread>

#include "../support/byte_stream.h"
#include "../support/sockd_process.h"
#include "../support/temp_dir.h"
#include "../support/testbed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTimeout{60000};
constexpr const char* kOtherWanIp = "198.51.100.3";  // a second wan address: the wrong source
const std::string kSockdAddr = std::string(Testbed::kFwLanIp) + ":1080";
const std::string kFtpUrl = std::string("ftp://") + Testbed::kWanIp + ":2121/";

// Dante's client library: every wan destination through sockd on fw, SOCKS 4.
const std::string kDanteConf = std::string("route {\n  from: 0.0.0.0/0 to: 198.51.100.0/24 via: ") +
                               Testbed::kFwLanIp + " port = 1080\n  proxyprotocol: socks_v4\n}\n";

// A raw SOCKS 4 client in lan; the application server's side is played in wan by
// `ip netns exec WAN python3`. One line of output per step.
const char* const kRawBindClient = R"(
import socket, struct, subprocess, sys
sockd_ip, sockd_port, server_ip, server_port, wan, other = sys.argv[1:7]
def request(cd, ip, port):
    s = socket.create_connection((sockd_ip, int(sockd_port)), timeout=20)
    s.sendall(struct.pack('>BBH4s', 4, cd, port, socket.inet_aton(ip)) + b'raw\0')
    return s
def reply(s):
    d = b''
    while len(d) < 8:
        c = s.recv(8 - len(d))
        if not c: return 'closed'
        d += c
    _, cd, port, ip = struct.unpack('>BBH4s', d)
    return '%d %s %d' % (cd, socket.inet_ntoa(ip), port)
def closed(s):
    try:
        return s.recv(1) == b''
    except ConnectionResetError:
        return True
def connect_from(source, first, wait_for_close):
    ip, port = first.split()[1:]
    code = ('import socket\n'
            's = socket.create_connection((%r, %s), 10, (%r, 0))\n'
            's.sendall(b"from wan")\n' % (ip, port, source))
    if wait_for_close:  # sockd closes (a reset, as the bytes were never read, or a FIN)
        code += ('try:\n    print(s.recv(100) == b"")\n'
                 'except ConnectionResetError:\n    print(True)\n')
    return subprocess.run(['ip', 'netns', 'exec', wan, '/usr/bin/python3', '-c', code],
                          capture_output=True, text=True, timeout=20).stdout.strip()
print('no-primary', reply(request(2, other, 20)))
primary = request(1, server_ip, int(server_port))
print('primary', reply(primary))
b = request(2, server_ip, 20)
first = reply(b)
print('first', first)
print('intruder-closed', connect_from(other, first, True))
print('second', ' '.join(reply(b).split()[:2]), 'client-closed', closed(b))
b = request(2, server_ip, 20)
first = reply(b)
print('first', first)
connect_from(server_ip, first, False)
print('second', ' '.join(reply(b).split()[:2]), 'data', b.recv(100).decode())
)";

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

class BindFirewallTest : public ::testing::Test {
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
    CommandResult extra = Testbed::run_in(
        bed_->wan(), {"ip", "addr", "add", std::string(kOtherWanIp) + "/24", "dev", "fw0"},
        milliseconds(10000));
    if (extra.exit_code != 0) {
      setup_error_ = "cannot add " + std::string(kOtherWanIp) + " to wan: " + extra.err;
      return;
    }
    files_ = std::make_unique<TempDir>();
    payload_.resize(2u << 20);
    ByteStream(3003).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    std::filesystem::create_directories(files_->file("ftp"));
    files_->write("ftp/payload.bin", payload_);
    std::filesystem::permissions(files_->file("ftp"), std::filesystem::perms::all);
    start_ftp_server();
    if (setup_error_.empty()) start_sockd();
  }

  static void start_ftp_server() {
    LaunchOptions options;
    options.argv =
        Testbed::in(bed_->wan(), {"/usr/bin/python3", "-u", "-m", "pyftpdlib", "-i",
                                  Testbed::kWanIp, "-p", "2121", "-w", "-d", files_->file("ftp")});
    options.stdout_path = files_->file("ftp.out");
    options.stderr_path = files_->file("ftp.err");
    ftp_ = std::make_unique<ChildProcess>(options);
    const auto deadline = Clock::now() + milliseconds(15000);
    while (true) {
      std::string output =
          read_text_file(options.stdout_path) + read_text_file(options.stderr_path);
      if (output.find("starting FTP server") != std::string::npos) return;
      if (!ftp_->running() || Clock::now() >= deadline) {
        setup_error_ = "FTP server in wan did not start: " + output;
        return;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
  }

  static void start_sockd() {
    SockdOptions options;
    options.command_prefix = Testbed::in(bed_->fw(), {});
    options.listen = "";
    options.full_config = "listen " + kSockdAddr + "\nhosts_file " + bed_->fw_hosts_file() +
                          "\nresolv_conf " + bed_->fw_resolv_conf() +
                          "\npermit 192.0.2.0 255.255.255.0\n";
    sockd_ = std::make_unique<SockdProcess>(options);
    if (!sockd_->start()) setup_error_ = "sockd in fw did not start: " + sockd_->error();
  }

  static void TearDownTestSuite() {
    sockd_.reset();
    ftp_.reset();
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

  // BINDs sockd granted, with the address it announced.
  static std::vector<std::string> granted_binds() {
    return sockd_->log_lines_with({"192.0.2.2:", " BIND user=", "-> granted (listening on "});
  }

  // Downloads payload.bin and uploads a file of its own with `prefix` (socksify and its
  // options, in lan) before `ftp -A`; checks sizes and content and that both data channels were
  // BINDs announced at fw's outside address and granted for the inbound connection from wan.
  static void ftp_active_both_ways(const std::vector<std::string>& prefix, const std::string& tag) {
    const size_t binds_before = granted_binds().size();
    const std::string down = files_->file(tag + "-down.bin");
    std::vector<std::string> get = prefix;
    get.insert(get.end(), {"ftp", "-A", "-V", "-o", down, kFtpUrl + "payload.bin"});
    CommandResult r = Testbed::run_in(bed_->lan(), get, kTimeout);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(read_text_file(down).size(), payload_.size());
    EXPECT_TRUE(read_text_file(down) == payload_);

    std::string upload(1u << 20, '\0');
    ByteStream(tag.size() * 7 + 1)
        .fill(std::span(reinterpret_cast<uint8_t*>(upload.data()), upload.size()));
    const std::string local = files_->write(tag + "-up.bin", upload);
    std::vector<std::string> put = prefix;
    put.insert(put.end(), {"ftp", "-A", "-V", "-u", kFtpUrl + tag + ".bin", local});
    r = Testbed::run_in(bed_->lan(), put, kTimeout);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string stored = read_text_file(files_->file("ftp/" + tag + ".bin"));
    EXPECT_EQ(stored.size(), upload.size());
    EXPECT_TRUE(stored == upload);

    // Two data channels, each a BIND announced at 198.51.100.1 with its inbound connection.
    sockd_->wait_for_log("BIND inbound from 198.51.100.2:", milliseconds(5000));
    std::vector<std::string> binds = granted_binds();
    ASSERT_GE(binds.size(), binds_before + 2) << sockd_->log();
    for (size_t i = binds_before; i < binds.size(); ++i) {
      EXPECT_NE(binds[i].find("198.51.100.2:"), std::string::npos) << binds[i];
      EXPECT_NE(binds[i].find("(listening on 198.51.100.1:"), std::string::npos) << binds[i];
    }
    EXPECT_GE(sockd_->log_lines_with({"BIND inbound from 198.51.100.2:", "-> granted"}).size(),
              binds.size());
  }

  static inline std::unique_ptr<Testbed> bed_;
  static inline std::unique_ptr<TempDir> files_;
  static inline std::unique_ptr<ChildProcess> ftp_;
  static inline std::unique_ptr<SockdProcess> sockd_;
  static inline std::string payload_;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
};

TEST_F(BindFirewallTest, FtpActiveDownloadAndUploadWithDanteSocksify) {
  const std::string conf = files_->write("dante.conf", kDanteConf);
  ftp_active_both_ways({"env", "SOCKS_CONF=" + conf, "/usr/bin/socksify"}, "dante");
}

TEST_F(BindFirewallTest, FtpActiveDownloadAndUploadWithOurPreload) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  ASSERT_FALSE(ec);
  const std::string socksify = (self.parent_path().parent_path() / "socksify").string();
  ftp_active_both_ways({socksify, "-s", kSockdAddr}, "preload");
}

// rftp(1): the system's ftp (tnftp here) under socksify, socksify's -s taken from its options.
TEST_F(BindFirewallTest, RftpActiveDownload) {
  const std::string rftp =
      (std::filesystem::path(Testbed::socksify_path()).parent_path() / "rftp").string();
  const size_t binds_before = granted_binds().size();
  const std::string down = files_->file("rftp-active-down.bin");
  CommandResult r = Testbed::run_in(
      bed_->lan(), {rftp, "-s", kSockdAddr, "-A", "-V", "-o", down, kFtpUrl + "payload.bin"},
      kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes";
  sockd_->wait_for_log("BIND inbound from 198.51.100.2:", milliseconds(5000));
  EXPECT_GE(granted_binds().size(), binds_before + 1) << sockd_->log();
}

// The same tnftp under socksify's seccomp supervisor: the library's BIND sequence answered from
// outside the program (supervisor/bind_calls.cc).
TEST_F(BindFirewallTest, FtpActiveDownloadAndUploadUnderTheSupervisor) {
  ftp_active_both_ways({Testbed::socksify_path(), "-m", "seccomp", "-s", kSockdAddr}, "seccomp");
}

// lftp and inetutils-ftp in active mode announce what getsockname(2) says of the data socket
// (socksify(1)): the address sockd listens on, asked for ahead of listen(2).
TEST_F(BindFirewallTest, LftpAndInetutilsActiveDownloadWithOurPreload) {
  const std::string socksify = Testbed::socksify_path();
  const size_t binds_before = granted_binds().size();
  const std::string lftp_down = files_->file("lftp-active-down.bin");
  CommandResult r = Testbed::run_in(
      bed_->lan(),
      {socksify, "-s", kSockdAddr, "lftp", "-c",
       "set ftp:passive-mode false; set ftp:ssl-allow false; set net:max-retries 1; "
       "set net:timeout 15; open -u anonymous,guest " +
           kFtpUrl + "; get payload.bin -o " + lftp_down},
      kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(lftp_down) == payload_) << read_text_file(lftp_down).size();
  const std::string inetutils_down = files_->file("inetutils-active-down.bin");
  r = Testbed::run_in(bed_->lan(),
                      {"/bin/sh", "-c",
                       "exec " + socksify + " -s " + kSockdAddr + " inetutils-ftp -n -v " +
                           Testbed::kWanIp + " 2121 <<'EOF'\nuser anonymous guest\nbinary\nget " +
                           "payload.bin " + inetutils_down + "\nquit\nEOF"},
                      kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(read_text_file(inetutils_down) == payload_)
      << read_text_file(inetutils_down).size() << r.out << r.err;
  EXPECT_GE(granted_binds().size(), binds_before + 2) << sockd_->log();
}

TEST_F(BindFirewallTest, RawClientSeesTheOutsideAddressAndTheRefusals) {
  const std::string script = files_->write("raw_bind.py", kRawBindClient);
  CommandResult r = Testbed::run_in(bed_->lan(),
                                    {"/usr/bin/python3", script, Testbed::kFwLanIp, "1080",
                                     Testbed::kWanIp, "2121", bed_->wan(), kOtherWanIp},
                                    kTimeout);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> steps;
  for (std::string line; std::getline(lines, line);) steps.push_back(line);
  ASSERT_EQ(steps.size(), 7u) << r.out << r.err;
  EXPECT_EQ(steps[0], "no-primary 91 198.51.100.3 20");  // never CONNECTed to
  EXPECT_EQ(steps[1], "primary 90 198.51.100.2 2121");
  // The first reply names fw's outside address (the interface facing DSTIP) and a real port.
  EXPECT_TRUE(steps[2].starts_with("first 90 198.51.100.1 ")) << steps[2];
  EXPECT_NE(steps[2], "first 90 198.51.100.1 0");
  EXPECT_EQ(steps[3], "intruder-closed True") << "sockd closes the wrong-source connection";
  EXPECT_EQ(steps[4], "second 91 198.51.100.3 client-closed True");
  EXPECT_TRUE(steps[5].starts_with("first 90 198.51.100.1 ")) << steps[5];
  EXPECT_EQ(steps[6], "second 90 198.51.100.2 data from wan");
  EXPECT_FALSE(sockd_->log_lines_with({"user=raw", "rejected (no CONNECT to 198.51.100.3"}).empty())
      << sockd_->log();
  EXPECT_FALSE(sockd_
                   ->log_lines_with({"BIND inbound from 198.51.100.3:",
                                     "rejected (inbound from 198.51.100.3, expected 198.51.100.2)"})
                   .empty())
      << sockd_->log();
  EXPECT_TRUE(sockd_->log_lines_with({"listening on 192.0.2.1:", "BIND"}).empty());
  EXPECT_TRUE(sockd_->log_lines_with({"listening on 0.0.0.0"}).empty());
}

}  // namespace
}  // namespace socks4::test
