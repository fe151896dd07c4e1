// socksify's seccomp supervisor (supervisor/): programs the preload cannot reach go through
// sockd all the same. A statically linked C program and a Go program built here, hey (Go) and
// busybox-static's wget, by address and by a name only sockd resolves (the program's own DNS
// queries get placeholder addresses, so its connect becomes a 4a request).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/temp_dir.h"
#include "active_ftp_peer.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

// <build>/tests/<name>, next to the test binary (Makefile: SUPERVISED_CLIENTS).
std::string test_program(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / name).string();
}

class SupervisorTest : public PreloadTest {
 protected:
  // How many CONNECT lines sockd granted for `destination` ("ip:port" or "name:port").
  size_t granted(const std::string& destination) {
    return sockd().log_lines_with({"CONNECT", " " + destination + " ", "granted"}).size();
  }
  // Waits until sockd has logged `count` granted CONNECTs to `destination`.
  bool granted_at_least(const std::string& destination, size_t count) {
    auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while (granted(destination) < count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      sockd().wait_for_log(destination, milliseconds(100));
    }
    return true;
  }

  LoopbackServer echo_{echo_handler};
  std::string echo_port_ = std::to_string(echo_.port());
};

TEST_F(SupervisorTest, StaticProgramByAddressGoesThroughSockd) {
  CommandResult r = run_socksified(
      {test_program("supervised_client_static"), "127.0.0.1", echo_port_, "static hello"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("echo static hello\n"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_at_least("127.0.0.1:" + echo_port_, 1)) << sockd().log();
}

TEST_F(SupervisorTest, StaticProgramSeesTheDestinationAsPeer) {
  CommandResult r = run_socksified(
      {test_program("supervised_client_static"), "127.0.0.1", echo_port_, "who is there"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The kernel would say sockd's port: the program asked for the echo server's.
  EXPECT_NE(r.out.find("peer 127.0.0.1:" + echo_port_ + "\n"), std::string::npos) << r.out;
}

TEST_F(SupervisorTest, NonBlockingConnectThroughSockd) {
  CommandResult r = run_socksified(
      {test_program("supervised_client_static"), "-n", "127.0.0.1", echo_port_, "no waiting"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("peer 127.0.0.1:" + echo_port_ + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("echo no waiting\n"), std::string::npos) << r.out;
  EXPECT_TRUE(granted_at_least("127.0.0.1:" + echo_port_, 1)) << sockd().log();
}

TEST_F(SupervisorTest, RefusedConnectReportsTheError) {
  // socks.conf denies this port: the program's connect fails as a direct one would.
  conf_ = files_.write("deny.conf", "deny 0.0.0.0 0.0.0.0 eq 9\nsockd 0.0.0.0 0.0.0.0\n");
  CommandResult r =
      run_socksified({test_program("supervised_client_static"), "127.0.0.1", "9", "denied"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("connect: Connection refused"), std::string::npos) << r.err;
}

// A placeholder this run never handed out names nothing: unreachable, as under the preload.
TEST_F(SupervisorTest, UnknownPlaceholderIsUnreachable) {
  CommandResult r = run_socksified(
      {test_program("supervised_client_static"), "198.18.200.7", echo_port_, "to nobody"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("connect: No route to host"), std::string::npos) << r.err;
  EXPECT_TRUE(sockd().log_lines_with({"CONNECT", "198.18.200.7"}).empty()) << sockd().log();
}

TEST_F(SupervisorTest, StaticProgramByNameOnlySockdResolves) {
  CommandResult r = run_socksified(
      {test_program("supervised_client_static"), "only-sockd.test", echo_port_, "by name"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("echo by name\n"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_at_least("only-sockd.test:" + echo_port_, 1)) << sockd().log();
}

TEST_F(SupervisorTest, GoProgramFiftyConnectionsByName) {
  CommandResult r = run_socksified(
      {test_program("supervised_go_client"), "-n", "50", "only-sockd.test:" + echo_port_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok 50\n"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_at_least("only-sockd.test:" + echo_port_, 50)) << sockd().log();
}

TEST_F(SupervisorTest, GoProgramByAddressSeesTheDestination) {
  CommandResult r =
      run_socksified({test_program("supervised_go_client"), "-n", "3", "127.0.0.1:" + echo_port_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("peer 127.0.0.1:" + echo_port_ + "\nok 3\n"), std::string::npos) << r.out;
  EXPECT_TRUE(granted_at_least("127.0.0.1:" + echo_port_, 3)) << sockd().log();
}

TEST_F(SupervisorTest, HeyByAddress) {
  LoopbackServer web(http_handler("hey there\n"));
  std::string port = std::to_string(web.port());
  CommandResult r = run_socksified({"/usr/bin/hey", "-n", "20", "-c", "4", "-disable-keepalive",
                                    "http://127.0.0.1:" + port + "/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[200]\t20 responses"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_at_least("127.0.0.1:" + port, 20)) << sockd().log();
}

TEST_F(SupervisorTest, BusyboxWgetByName) {
  LoopbackServer web(http_handler("busybox body\n"));
  std::string port = std::to_string(web.port());
  CommandResult r = run_socksified(
      {"/bin/busybox", "wget", "-q", "-O", "-", "http://only-sockd.test:" + port + "/file"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "busybox body\n") << r.err;
  EXPECT_TRUE(granted_at_least("only-sockd.test:" + port, 1)) << sockd().log();
}

// aria2c is dynamically linked, but its asynchronous resolver (c-ares) asks the nameserver
// itself, so the preload never sees its names: auto picks the supervisor for it.
TEST_F(SupervisorTest, Aria2cByNameWithItsOwnResolver) {
  LoopbackServer web(http_handler("aria body\n"));
  std::string port = std::to_string(web.port());
  TempDir downloads;
  CommandResult r = run_socksified({"/usr/bin/aria2c", "--async-dns=true", "--timeout=10",
                                    "--max-tries=1", "--summary-interval=0", "-d", downloads.path(),
                                    "-o", "got", "http://only-sockd.test:" + port + "/file"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_text_file(downloads.file("got")), "aria body\n");
  EXPECT_TRUE(granted_at_least("only-sockd.test:" + port, 1)) << sockd().log();
}

TEST_F(SupervisorTest, ChildrenOfTheProgramAreSupervisedToo) {
  std::string client = test_program("supervised_client_static");
  std::vector<std::string> argv =
      socksified({"/bin/sh", "-c",
                  client + " 127.0.0.1 " + echo_port_ + " first & " + client + " 127.0.0.1 " +
                      echo_port_ + " second; wait"});
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  CommandResult r = run_command(argv, milliseconds(30000));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("echo first\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("echo second\n"), std::string::npos) << r.out;
  EXPECT_TRUE(granted_at_least("127.0.0.1:" + echo_port_, 2)) << sockd().log();
}

// A program killed while its connect waits for a server that never answers: socksify neither
// hangs until the reply timeout (130 s) nor keeps the program's socket open.
TEST_F(SupervisorTest, ProgramKilledWhileItsConnectIsPending) {
  std::atomic<bool> closed{false};
  LoopbackServer silent([&](int fd) {
    char byte;
    while (true) {
      ssize_t n = recv(fd, &byte, 1, 0);
      if (n == 0) closed = true;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
    }
  });
  std::vector<std::string> argv =
      socksified({"/usr/bin/timeout", "-s", "KILL", "1", test_program("supervised_client_static"),
                  "127.0.0.1", echo_port_, "never answered"},
                 "127.0.0.1:" + std::to_string(silent.port()));
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  auto started = std::chrono::steady_clock::now();
  CommandResult r = run_command(argv, milliseconds(30000));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + 9) << r.err;  // timeout(1)'s status for a child it killed
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(10000));
  EXPECT_EQ(silent.accepted(), 1);
  auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_TRUE(closed) << "the supervisor still holds the program's socket";
  EXPECT_EQ(echo_.accepted(), 0);
}

// The BIND sequence under the supervisor (python3 forced onto it with -m seccomp): the address
// announced is where sockd listens, accept returns the relayed stream with the application
// server as peer, and sockd logged the BIND and the inbound connection.
TEST_F(SupervisorTest, ActiveDataChannelThroughSockdBind) {
  LoopbackServer app(data_channel_server);
  std::vector<std::string> argv = socksified(
      {"/usr/bin/python3", files_.write("active.py", kActiveClient), std::to_string(app.port())});
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  CommandResult r = run_command(argv, milliseconds(30000));
  ASSERT_EQ(r.exit_code, 0) << r.err << "\nsockd log:\n" << sockd().log();
  std::istringstream out(r.out);
  std::string word, ip;
  int announced_port = 0, data_port = 0, peer_port = 0, getpeername_port = 0;
  out >> word >> ip >> announced_port >> word >> word >> word >> data_port >> word >> word >>
      peer_port >> getpeername_port;
  EXPECT_EQ(ip, "127.0.0.1") << r.out;
  EXPECT_EQ(peer_port, data_port) << "accept() must name the application server\n" << r.out;
  EXPECT_EQ(getpeername_port, data_port) << r.out;
  const std::string listening = "127.0.0.1:" + std::to_string(announced_port);
  EXPECT_FALSE(sockd().log_lines_with({"BIND user=", "granted (listening on " + listening}).empty())
      << sockd().log();
  EXPECT_FALSE(
      sockd()
          .log_lines_with({"BIND inbound from 127.0.0.1:" + std::to_string(data_port), "granted"})
          .empty())
      << sockd().log();
}

// Go's net.Listen (bind, listen, then getsockname) and non-blocking accept4 under auto.
TEST_F(SupervisorTest, GoListenerThroughSockdBind) {
  LoopbackServer app(data_channel_server);
  CommandResult r = run_socksified(
      {test_program("supervised_go_client"), "-active", "127.0.0.1:" + std::to_string(app.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err << "\nsockd log:\n" << sockd().log();
  std::istringstream out(r.out);
  std::string word, ip;
  int announced_port = 0, data_port = 0, peer_port = 0;
  out >> word >> ip >> announced_port >> word >> word >> word >> data_port >> word >> word >>
      peer_port;
  EXPECT_EQ(ip, "127.0.0.1") << r.out;
  EXPECT_EQ(peer_port, data_port) << r.out;
  const std::string listening = "127.0.0.1:" + std::to_string(announced_port);
  EXPECT_FALSE(sockd().log_lines_with({"BIND user=", "granted (listening on " + listening}).empty())
      << sockd().log();
}

// Where seccomp user notification cannot be had (here: under another supervisor, since a
// filter with a listener refuses a second one below it), the program is refused, not run
// direct.
TEST_F(SupervisorTest, UnavailableNotificationRefusesTheProgram) {
  std::vector<std::string> inner =
      socksified({test_program("supervised_client_static"), "127.0.0.1", echo_port_, "never sent"});
  inner.insert(inner.begin() + 1, {"-m", "seccomp"});
  std::vector<std::string> argv = socksified(inner);
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  CommandResult r = run_command(argv, milliseconds(30000));
  EXPECT_EQ(r.exit_code, 126) << r.err;
  EXPECT_NE(r.err.find("seccomp user notification is not available here"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("not running it"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("echo"), std::string::npos) << r.out;
  EXPECT_EQ(echo_.accepted(), 0);
}

// What would connect past the supervisor is refused: io_uring (its operations bypass
// seccomp) and TCP Fast Open (a connect inside sendto).
TEST_F(SupervisorTest, CallsThatWouldBypassItAreRefused) {
  const char* script = R"(
import ctypes, errno, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall(425, 1, None)  # io_uring_setup(1, NULL)
print('io_uring_setup', errno.errorcode[ctypes.get_errno()])
s = socket.socket()
try:
    s.sendto(b'x', socket.MSG_FASTOPEN, ('127.0.0.1', int(sys.argv[1])))
    print('fastopen sent')
except OSError as e:
    print('fastopen', errno.errorcode[e.errno])
)";
  std::vector<std::string> argv =
      socksified({"/usr/bin/python3", files_.write("bypass.py", script), echo_port_});
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  CommandResult r = run_command(argv, milliseconds(30000));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "io_uring_setup ENOSYS\nfastopen ENOTSUP\n");  // ENOTSUP == EOPNOTSUPP
  EXPECT_EQ(echo_.accepted(), 0);
}

TEST_F(SupervisorTest, PreloadMethodStillRefusesStaticPrograms) {
  std::vector<std::string> argv =
      socksified({test_program("supervised_client_static"), "127.0.0.1", echo_port_, "never sent"});
  argv.insert(argv.begin() + 1, {"-m", "preload"});
  CommandResult r = run_command(argv, milliseconds(30000));
  EXPECT_EQ(r.exit_code, 126) << r.err;
  EXPECT_NE(r.err.find("would go direct"), std::string::npos) << r.err;
  EXPECT_EQ(echo_.accepted(), 0);
}

TEST_F(SupervisorTest, ExitStatusOfTheSupervisedProgram) {
  std::vector<std::string> argv = socksified({"/bin/sh", "-c", "exit 7"});
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  EXPECT_EQ(run_command(argv, milliseconds(30000)).exit_code, 7);
  argv = socksified({"/bin/sh", "-c", "kill -KILL $$"});
  argv.insert(argv.begin() + 1, {"-m", "seccomp"});
  EXPECT_EQ(run_command(argv, milliseconds(30000)).exit_code, 128 + 9);
}

}  // namespace
}  // namespace socks4::test
