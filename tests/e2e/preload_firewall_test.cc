// Unmodified Debian clients in lan reach servers in wan through sockd on fw, under socksify
// (docs/ARCHITECTURE.md, "Test beds"): curl, wget, nc, python3 (urllib and asyncio), git, ftp
// (tnftp, passive) and telnet. Each also fails without socksify, which shows the firewall holds.
// Needs root; under CI=true a test bed that cannot be built fails every test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <thread>

#include "../support/byte_stream.h"
#include "../support/firewall_bed.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kTimeout{60000};
const std::string& kSockdAddr = FirewallBed::kSockdAddress;
const std::string kWanIp = Testbed::kWanIp;
const std::string kWanName = Testbed::kWanName;

// Line and echo services for nc and telnet.
const char* const kWanServices = R"(
import socket, sys, threading
host = sys.argv[1]
def serve(port, handler):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(16)
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def echo(c):
    while True:
        b = c.recv(1 << 16)
        if not b: break
        c.sendall(b)
    c.shutdown(socket.SHUT_WR); c.close()
def lines(c):
    c.sendall(b'line service ready\r\n')
    f = c.makefile('rb')
    for raw in f:
        text = raw.decode(errors='replace').strip()
        if text == 'quit':
            c.sendall(b'bye\r\n'); break
        c.sendall(('you said: %s\r\n' % text).encode())
    c.close()
serve(7007, echo)
serve(7008, lines)
print('ready', flush=True)
threading.Event().wait()
)";

// Runs a program in a pty (telnet wants a terminal), types lines, waits for answers.
const char* const kPtyDriver = R"(
import os, pty, select, sys, time
script = [(b'line service ready', b'hello firewall\r\n'), (b'you said: hello firewall', b'quit\r\n'),
          (b'bye', None)]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
seen = b''
deadline = time.time() + 20
step = 0
while step < len(script) and time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if fd in r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk: break
        seen += chunk
    while step < len(script) and script[step][0] in seen:
        if script[step][1]: os.write(fd, script[step][1])
        step += 1
try:
    os.kill(pid, 9)
except ProcessLookupError:
    pass
os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors='replace'))
sys.exit(0 if step == len(script) else 1)
)";

class PreloadFirewallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bed_ = std::make_unique<FirewallBed>();
    if (!bed_->usable()) return;
    payload_.resize(2u << 20);
    ByteStream(2025).fill(std::span(reinterpret_cast<uint8_t*>(payload_.data()), payload_.size()));
    std::filesystem::create_directories(files().file("www"));
    std::filesystem::create_directories(files().file("ftp"));
    files().write("www/payload.bin", payload_);
    files().write("ftp/payload.bin", payload_);
    std::filesystem::permissions(files().file("ftp"), std::filesystem::perms::all);
    const std::string& wan = net().wan();
    if (!make_git_repository()) {
      git_error_ = "cannot create the git repository to serve";
      return;
    }
    bed_->start_wan_http(files().file("www"));
    bed_->start_server(
        "services", wan,
        {"/usr/bin/python3", "-u", files().write("services.py", kWanServices), kWanIp}, "ready");
    bed_->start_server("ftp", wan,
                       {"/usr/bin/python3", "-u", "-m", "pyftpdlib", "-i", kWanIp, "-p", "2121",
                        "-w", "-d", files().file("ftp")},
                       "starting FTP server");
    bed_->start_server(
        "git", wan,
        {"git", "daemon", "--reuseaddr", "--export-all", "--listen=" + kWanIp, "--port=9418",
         "--base-path=" + files().file("git"), "--verbose", files().file("git")},
        "Ready to rumble");
    bed_->start_sockd();
  }

  static bool make_git_repository() {
    const std::string work = files().file("git/project");
    std::filesystem::create_directories(work);
    files().write("git/project/README", "a file cloned through the firewall\n");
    const std::map<std::string, std::string> env = {{"GIT_AUTHOR_NAME", "t"},
                                                    {"GIT_AUTHOR_EMAIL", "t@t"},
                                                    {"GIT_COMMITTER_NAME", "t"},
                                                    {"GIT_COMMITTER_EMAIL", "t@t"},
                                                    {"HOME", files().path()}};
    for (const std::vector<std::string>& step :
         {std::vector<std::string>{"git", "-C", work, "init", "-q"},
          std::vector<std::string>{"git", "-C", work, "add", "README"},
          std::vector<std::string>{"git", "-C", work, "commit", "-q", "-m", "first"}}) {
      CommandResult r = run_command(step, milliseconds(20000), env);
      if (r.exit_code != 0) return false;
    }
    return true;
  }

  static void TearDownTestSuite() { bed_.reset(); }

  void SetUp() override {
    FIREWALL_BED_SET_UP(bed_);
    ASSERT_TRUE(git_error_.empty()) << git_error_;
  }

  void TearDown() override {
    if (HasFailure()) bed_->print_sockd_log();
  }

  static const Testbed& net() { return bed_->bed(); }
  static TempDir& files() { return bed_->files(); }
  static SockdProcess& sockd() { return bed_->sockd(); }

  // argv in lan, under socksify (default: fallback name resolution) or plain.
  static CommandResult in_lan(std::vector<std::string> argv, bool socksified = true,
                              milliseconds timeout = kTimeout) {
    if (socksified) argv.insert(argv.begin(), {Testbed::socksify_path(), "-s", kSockdAddr});
    return Testbed::run_in(net().lan(), argv, timeout);
  }

  static bool sockd_granted(const std::string& destination) {
    sockd().wait_for_log(destination, milliseconds(5000));
    return !sockd().log_lines_with({"192.0.2.2:", destination, "granted"}).empty();
  }

  static std::string http_url(const std::string& host) {
    return "http://" + host + ":8080/payload.bin";
  }

  static inline std::unique_ptr<FirewallBed> bed_;
  static inline std::string git_error_;
  static inline std::string payload_;
};

TEST_F(PreloadFirewallTest, CurlByAddressAndByName) {
  for (const std::string& host : {kWanIp, kWanName}) {
    CommandResult r =
        in_lan({"curl", "--silent", "--show-error", "--max-time", "20", http_url(host)});
    ASSERT_EQ(r.exit_code, 0) << host << ": " << r.err;
    EXPECT_TRUE(r.out == payload_) << host << ": got " << r.out.size() << " bytes";
    EXPECT_TRUE(sockd_granted(host + ":8080")) << host;
  }
  CommandResult plain =
      in_lan({"curl", "--silent", "--connect-timeout", "2", http_url(kWanIp)}, false);
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_TRUE(plain.out.empty());
}

TEST_F(PreloadFirewallTest, WgetByName) {
  const std::string out = files().file("wget.bin");
  CommandResult r =
      in_lan({"wget", "-q", "--tries=1", "--timeout=20", "-O", out, http_url(kWanName)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_text_file(out) == payload_);
  EXPECT_TRUE(sockd_granted(kWanName + ":8080"));
  CommandResult plain = in_lan(
      {"wget", "-q", "--tries=1", "--timeout=2", "-O", "/dev/null", http_url(kWanIp)}, false);
  EXPECT_NE(plain.exit_code, 0);
}

TEST_F(PreloadFirewallTest, NetcatFiftyMegabytesBothWays) {
  std::string upload(50u << 20, '\0');
  ByteStream(51).fill(std::span(reinterpret_cast<uint8_t*>(upload.data()), upload.size()));
  const std::string input = files().write("nc-upload.bin", upload);
  CommandResult r = in_lan({"sh", "-c", "exec nc -N \"$1\" 7007 < \"$2\"", "sh", kWanName, input});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Checksum sent, echoed;
  sent.add(std::span(reinterpret_cast<const uint8_t*>(upload.data()), upload.size()));
  echoed.add(std::span(reinterpret_cast<const uint8_t*>(r.out.data()), r.out.size()));
  EXPECT_EQ(echoed.bytes(), sent.bytes());
  EXPECT_EQ(echoed.value(), sent.value());
  EXPECT_TRUE(sockd_granted(kWanName + ":7007"));
  CommandResult plain =
      in_lan({"sh", "-c", "echo x | nc -N -w 2 \"$1\" 7007", "sh", kWanIp}, false);
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_TRUE(plain.out.empty());
}

TEST_F(PreloadFirewallTest, PythonUrllibAndAsyncio) {
  const std::string script = files().write("clients.py", R"(
import asyncio, sys, urllib.request
url, host = sys.argv[1], sys.argv[2]
body = urllib.request.urlopen(url, timeout=20).read()
async def fetch():
    r, w = await asyncio.wait_for(asyncio.open_connection(host, 7008), 20)
    banner = await asyncio.wait_for(r.readline(), 20)
    w.write(b'asyncio\r\n')
    answer = await asyncio.wait_for(r.readline(), 20)
    w.close()
    return answer.decode().strip()
print(len(body), asyncio.run(fetch()))
)");
  CommandResult r = in_lan({"/usr/bin/python3", script, http_url(kWanName), kWanName});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::to_string(payload_.size()) + " you said: asyncio\n");
  CommandResult plain =
      in_lan({"/usr/bin/python3", "-c",
              "import urllib.request as u; u.urlopen('" + http_url(kWanIp) + "', timeout=2)"},
             false);
  EXPECT_NE(plain.exit_code, 0);
}

TEST_F(PreloadFirewallTest, GitCloneFromGitDaemon) {
  const std::string target = files().file("clone");
  CommandResult r = in_lan({"git", "clone", "-q", "git://" + kWanName + "/project", target});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_text_file(target + "/README"), "a file cloned through the firewall\n");
  EXPECT_TRUE(sockd_granted(kWanName + ":9418"));
  CommandResult plain = in_lan({"timeout", "3", "git", "clone", "-q",
                                "git://" + kWanIp + "/project", files().file("clone-plain")},
                               false);
  EXPECT_NE(plain.exit_code, 0);
}

TEST_F(PreloadFirewallTest, FtpPassiveDownloadAndUpload) {
  const std::string down = files().file("ftp-down.bin");
  CommandResult get =
      in_lan({"ftp", "-p", "-V", "-o", down, "ftp://" + kWanName + ":2121/payload.bin"});
  ASSERT_EQ(get.exit_code, 0) << get.out << get.err;
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes";
  std::string upload(3u << 20, '\0');
  ByteStream(77).fill(std::span(reinterpret_cast<uint8_t*>(upload.data()), upload.size()));
  const std::string local = files().write("ftp-up.bin", upload);
  CommandResult put =
      in_lan({"ftp", "-p", "-V", "-u", "ftp://" + kWanName + ":2121/uploaded.bin", local});
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  EXPECT_TRUE(read_text_file(files().file("ftp/uploaded.bin")) == upload);
  CommandResult plain = in_lan({"timeout", "5", "ftp", "-p", "-V", "-o", "/dev/null",
                                "ftp://" + kWanIp + ":2121/payload.bin"},
                               false);
  EXPECT_NE(plain.exit_code, 0);
}

// Active FTP needs BIND: the same preload against Dante's danted on fw (SOCKS 4, CONNECT and
// BIND); bind_firewall_test.cc does it through our sockd. The data connection comes from wan to
// danted's outside address, announced by tnftp in its PORT command.
std::string danted_config(const std::string& log) {
  return "logoutput: " + log + "\ninternal: " + Testbed::kFwLanIp +
         " port = 1081\nexternal: " + Testbed::kFwWanIp +
         "\nclientmethod: none\nsocksmethod: none\nuser.privileged: root\n"
         "user.unprivileged: nobody\nuser.libwrap: nobody\n"
         "client pass {\n  from: 192.0.2.0/24 to: 0.0.0.0/0\n}\n"
         "socks pass {\n  from: 192.0.2.0/24 to: 198.51.100.0/24\n"
         "  command: connect bind bindreply\n  proxyprotocol: socks_v4\n"
         "  log: connect disconnect error\n}\n"
         "socks pass {\n  from: 198.51.100.0/24 to: 0.0.0.0/0\n  command: bindreply\n"
         "  proxyprotocol: socks_v4\n  log: connect disconnect error\n}\n";
}

TEST_F(PreloadFirewallTest, FtpActiveDownloadAndUploadThroughDantedBind) {
  const std::string log = files().file("danted.log");
  LaunchOptions options;
  options.argv =
      Testbed::in(net().fw(), {"danted", "-f", files().write("danted.conf", danted_config(log)),
                               "-p", files().file("danted.pid")});
  options.stderr_path = files().file("danted.err");
  ChildProcess danted(options);
  const auto deadline = Clock::now() + milliseconds(10000);
  while (read_text_file(log).find("running") == std::string::npos) {
    ASSERT_TRUE(danted.running() && Clock::now() < deadline)
        << "danted did not start: " << read_text_file(options.stderr_path) << read_text_file(log);
    std::this_thread::sleep_for(milliseconds(50));
  }
  const std::string dante = std::string(Testbed::kFwLanIp) + ":1081";
  const std::string down = files().file("ftp-active-down.bin");
  CommandResult get = Testbed::run_in(net().lan(),
                                      {Testbed::socksify_path(), "-s", dante, "ftp", "-A", "-V",
                                       "-o", down, "ftp://" + kWanIp + ":2121/payload.bin"},
                                      kTimeout);
  ASSERT_EQ(get.exit_code, 0) << get.out << get.err << read_text_file(log);
  EXPECT_TRUE(read_text_file(down) == payload_) << read_text_file(down).size() << " bytes";
  std::string upload(1u << 20, '\0');
  ByteStream(78).fill(std::span(reinterpret_cast<uint8_t*>(upload.data()), upload.size()));
  const std::string local = files().write("ftp-active-up.bin", upload);
  CommandResult put = Testbed::run_in(net().lan(),
                                      {Testbed::socksify_path(), "-s", dante, "ftp", "-A", "-V",
                                       "-u", "ftp://" + kWanIp + ":2121/active.bin", local},
                                      kTimeout);
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err << read_text_file(log);
  EXPECT_TRUE(read_text_file(files().file("ftp/active.bin")) == upload);
  // The data connections really were BINDs at danted's outside address.
  EXPECT_NE(read_text_file(log).find("tcp/bindreply"), std::string::npos) << read_text_file(log);
  danted.stop();
}

// rtelnet(1): the system's telnet under socksify, socksify's -s and -r taken from its options
// and telnet's own (-8: an 8-bit path) passed on.
TEST_F(PreloadFirewallTest, RtelnetSessionToALineService) {
  const std::string driver = files().write("telnet_driver.py", kPtyDriver);
  const std::string rtelnet =
      (std::filesystem::path(Testbed::socksify_path()).parent_path() / "rtelnet").string();
  CommandResult r = in_lan({"/usr/bin/python3", driver, rtelnet, "-s", kSockdAddr, "-r", "remote",
                            "-8", kWanName, "7008"},
                           false);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("you said: hello firewall"), std::string::npos) << r.out;
  EXPECT_TRUE(sockd_granted(kWanName + ":7008"));
}

TEST_F(PreloadFirewallTest, TelnetSessionToALineService) {
  const std::string driver = files().write("telnet_driver.py", kPtyDriver);
  CommandResult r = in_lan({"/usr/bin/python3", driver, Testbed::socksify_path(), "-s", kSockdAddr,
                            "telnet", kWanName, "7008"},
                           false);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("you said: hello firewall"), std::string::npos) << r.out;
  EXPECT_TRUE(sockd_granted(kWanName + ":7008"));
  CommandResult plain =
      in_lan({"timeout", "5", "/usr/bin/python3", driver, "telnet", kWanIp, "7008"}, false);
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_EQ(plain.out.find("you said"), std::string::npos);
}

}  // namespace
}  // namespace socks4::test
