// sockd's life as an administrator sees it: a second instance on the same address, daemon
// start-up errors, the pid file, relative paths in daemon mode, and stray signals.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "../support/socks_client.h"
#include "../support/source_dir.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kBound{10000};

// Waits (bounded) for `pred` to hold.
template <typename Pred>
bool wait_until(Pred pred, milliseconds timeout = kBound) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// A live process (a daemon is reparented to init, which may leave it a zombie for a while).
bool process_exists(pid_t pid) {
  if (pid <= 0 || kill(pid, 0) != 0) return false;
  const std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// A daemon the test started: stopped (SIGTERM, then SIGKILL) by the pid it wrote.
struct DaemonGuard {
  pid_t pid = -1;
  ~DaemonGuard() {
    if (!process_exists(pid)) return;
    kill(pid, SIGTERM);
    if (!wait_until([&] { return !process_exists(pid); }, milliseconds(3000))) kill(pid, SIGKILL);
  }
};

pid_t read_pid(const std::string& path) {
  return static_cast<pid_t>(std::atoi(read_text_file(path).c_str()));
}

// Runs sockd without -F (it becomes a daemon), its stderr to `stderr_path`; returns the exit
// status of the command itself (the parent), -1 if it did not exit in time.
int run_daemon_start(const std::vector<std::string>& args, const std::string& stderr_path) {
  LaunchOptions launch;
  launch.argv = args;
  launch.stderr_path = stderr_path;
  ChildProcess parent(launch);
  auto status = parent.wait(kBound);
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

// --- 1. A second sockd on the same address ---

TEST(SockdLifecycle, SecondInstanceOnTheSameAddressExits3) {
  SockdProcess first;
  ASSERT_TRUE(first.start()) << first.error();
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  TempDir dir;
  const std::string conf = dir.write("ok.conf", "permit 127.0.0.0 255.0.0.0\n");
  CommandResult second =
      run_command({sockd_binary(), "-F", "-t", "2", "-l", address, "-f", conf}, milliseconds(5000));
  EXPECT_EQ(second.exit_code, 3) << "timed out: " << second.timed_out << "\n" << second.err;
  EXPECT_NE(second.err.find("cannot listen on " + address), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
  EXPECT_TRUE(first.process().running());
}

// Its own listeners still share the port: several threads start on a fixed port, and a restart
// right after a stop binds again (TIME_WAIT connections do not block it).
TEST(SockdLifecycle, OwnThreadsShareThePortAndRestartRebinds) {
  uint16_t port = 0;
  {
    SockdProcess sockd(with_args({"-t", "4"}));
    ASSERT_TRUE(sockd.start()) << sockd.error();
    port = sockd.port();
    EXPECT_EQ(sockd.log_lines_with({"listening on"}).size(), 1u) << sockd.log();
  }
  SockdOptions again = with_args({"-t", "4"});
  again.listen = "127.0.0.1:" + std::to_string(port);
  SockdProcess restarted(again);
  EXPECT_TRUE(restarted.start()) << restarted.error();
}

// --- 2. Daemon start-up errors reach the caller ---

TEST(SockdLifecycle, DaemonWithUnknownUserExits1WithTheMessage) {
  TempDir dir;
  const std::string conf = dir.write("u.conf", "user nosuchuser-sockd\npermit 127.0.0.0/8\n");
  const std::string err = dir.file("stderr");
  int status = run_daemon_start({sockd_binary(), "-l", "127.0.0.1:0", "-f", conf}, err);
  EXPECT_EQ(status, 1) << read_text_file(err);
  EXPECT_NE(read_text_file(err).find("unknown user 'nosuchuser-sockd'"), std::string::npos)
      << read_text_file(err);
}

TEST(SockdLifecycle, DaemonWithUnwritablePidFileExits1WithTheMessage) {
  TempDir dir;
  const std::string conf = dir.write("ok.conf", "permit 127.0.0.0/8\n");
  const std::string err = dir.file("stderr");
  int status = run_daemon_start(
      {sockd_binary(), "-l", "127.0.0.1:0", "-f", conf, "-P", dir.file("no/such/dir/x.pid")}, err);
  EXPECT_EQ(status, 1) << read_text_file(err);
  EXPECT_NE(read_text_file(err).find("cannot write pid file"), std::string::npos)
      << read_text_file(err);
}

// Exit 0 means ready: the pid file is there and names a running sockd when the command returns.
TEST(SockdLifecycle, DaemonExits0OnlyOnceReady) {
  TempDir dir;
  const std::string conf = dir.write("ok.conf", "permit 127.0.0.0/8\n");
  const std::string pid_file = dir.file("sockd.pid");
  const std::string err = dir.file("stderr");
  DaemonGuard daemon;
  int status = run_daemon_start(
      {sockd_binary(), "-t", "2", "-l", "127.0.0.1:0", "-f", conf, "-P", pid_file}, err);
  daemon.pid = read_pid(pid_file);
  EXPECT_EQ(status, 0) << read_text_file(err);
  EXPECT_TRUE(process_exists(daemon.pid)) << "pid file: '" << read_text_file(pid_file) << "'";
}

TEST(SockdLifecycle, CheckReportsAnUnknownUser) {
  TempDir dir;
  const std::string conf = dir.write("u.conf", "user nosuchuser-sockd\npermit 127.0.0.0/8\n");
  CommandResult r = run_command({sockd_binary(), "-n", "-f", conf}, kBound);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("unknown user 'nosuchuser-sockd'"), std::string::npos) << r.err;
}

// --- 3. The pid file goes away after a privilege drop ---

// A pid file `user` cannot reach by its path (the test's directory is root's, mode 0700) but in
// a directory it may write, like /run/sockd owned by the user.
TEST(SockdLifecycle, PidFileIsRemovedAfterDroppingPrivileges) {
  ASSERT_EQ(geteuid(), 0u) << "this test checks a privilege drop and runs as root";
  TempDir dir;
  const std::string run_dir = dir.file("run");
  ASSERT_EQ(mkdir(run_dir.c_str(), 0755), 0);
  ASSERT_EQ(chown(run_dir.c_str(), 65534, 65534), 0);  // nobody
  const std::string pid_file = run_dir + "/sockd.pid";
  SockdOptions options = with_config("user nobody\npermit 127.0.0.0 255.0.0.0\n");
  options.extra_args = {"-t", "1", "-P", pid_file};
  SockdProcess sockd(options);
  ASSERT_TRUE(sockd.start()) << sockd.error();
  ASSERT_EQ(read_pid(pid_file), sockd.pid());
  ASSERT_TRUE(sockd.process().signal(SIGTERM));
  auto status = sockd.process().wait(kBound);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << sockd.log();
  EXPECT_FALSE(std::filesystem::exists(pid_file)) << sockd.log();
}

// Where `user` may not remove it, the file is emptied (no stale pid to signal) and the log says
// what to do.
TEST(SockdLifecycle, PidFileOutOfTheUsersReachIsEmptiedWithAWarning) {
  ASSERT_EQ(geteuid(), 0u) << "this test checks a privilege drop and runs as root";
  TempDir dir;
  const std::string pid_file = dir.file("sockd.pid");
  SockdOptions options = with_config("user nobody\npermit 127.0.0.0 255.0.0.0\n");
  options.extra_args = {"-t", "1", "-P", pid_file};
  SockdProcess sockd(options);
  ASSERT_TRUE(sockd.start()) << sockd.error();
  ASSERT_EQ(read_pid(pid_file), sockd.pid());
  ASSERT_TRUE(sockd.process().signal(SIGTERM));
  ASSERT_TRUE(sockd.process().wait(kBound));
  EXPECT_EQ(read_text_file(pid_file), "");
  EXPECT_NE(sockd.log().find("cannot remove pid file " + pid_file), std::string::npos)
      << sockd.log();
}

// --- 4. Relative paths in daemon mode ---

TEST(SockdLifecycle, DaemonResolvesRelativePathsBeforeLeavingTheDirectory) {
  TempDir dir;
  dir.write("rel.conf", "log stderr\npermit 127.0.0.0/8\n");
  const std::string err = dir.file("stderr");
  const std::string pid_name = "sockd-lifecycle-" + std::to_string(getpid()) + ".pid";
  DaemonGuard daemon;
  int status = run_daemon_start({"/bin/sh", "-c",
                                 "cd '" + dir.path() + "' && exec '" + sockd_binary() +
                                     "' -t 1 -l 127.0.0.1:0 -f rel.conf -P " + pid_name},
                                err);
  daemon.pid = read_pid(dir.file(pid_name));
  if (daemon.pid <= 0) {  // today's code writes it to /
    daemon.pid = read_pid("/" + pid_name);
    unlink(("/" + pid_name).c_str());
  }
  ASSERT_EQ(status, 0) << read_text_file(err);
  ASSERT_TRUE(process_exists(daemon.pid)) << read_text_file(err);
  EXPECT_TRUE(std::filesystem::exists(dir.file(pid_name))) << "pid file not in the directory";
  ASSERT_EQ(kill(daemon.pid, SIGHUP), 0);
  EXPECT_TRUE(wait_until([&] { return read_text_file(err).find("SIGHUP: ") != std::string::npos; }))
      << read_text_file(err);
  EXPECT_NE(read_text_file(err).find("SIGHUP: reloaded " + dir.path() + "/rel.conf"),
            std::string::npos)
      << read_text_file(err);
}

// --- 5. SIGUSR2 is not fatal ---

TEST(SockdLifecycle, Sigusr2IsLoggedAndIgnored) {
  SockdProcess sockd;
  ASSERT_TRUE(sockd.start()) << sockd.error();
  ASSERT_TRUE(sockd.process().signal(SIGUSR2));
  EXPECT_TRUE(sockd.wait_for_log("SIGUSR2", milliseconds(5000))) << sockd.log();
  EXPECT_TRUE(sockd.process().running()) << sockd.log();
}

// --- 6. Reload after a privilege drop; user-list files ---

TEST(SockdLifecycle, CheckWarnsWhenTheUserCannotReadTheConfigAgain) {
  ASSERT_EQ(geteuid(), 0u) << "this test checks a file root can read and nobody cannot";
  TempDir dir;
  const std::string conf = dir.write("sockd.conf", "user nobody\npermit 127.0.0.0/8\n");
  ASSERT_EQ(chmod(conf.c_str(), 0600), 0);
  CommandResult r = run_command({sockd_binary(), "-n", "-f", conf}, kBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(conf + ": warning: user 'nobody' cannot read this file"), std::string::npos)
      << r.err;
  // Readable by everyone: no warning.
  ASSERT_EQ(chmod(conf.c_str(), 0644), 0);
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  r = run_command({sockd_binary(), "-n", "-f", conf}, kBound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

// A FIFO would block the reader (and a reload) until someone writes to it.
TEST(SockdLifecycle, UserListFileMustBeARegularFile) {
  TempDir dir;
  const std::string fifo = dir.file("users.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string conf = dir.write("sockd.conf", "permit *=" + fifo + " 127.0.0.0/8\n");
  CommandResult r = run_command({sockd_binary(), "-n", "-f", conf}, milliseconds(5000));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
  const std::string conf_fifo = dir.file("conf.fifo");
  ASSERT_EQ(mkfifo(conf_fifo.c_str(), 0600), 0);
  r = run_command({sockd_binary(), "-n", "-f", conf_fifo}, milliseconds(5000));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
}

// --- 7. systemd: notifications, socket activation, the units ---

// A fake $NOTIFY_SOCKET: the datagram socket systemd would read.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = UniqueFd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    bound_ = fd_ && bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  bool bound() const { return bound_; }
  // The next datagram, or "" if none came within `timeout`.
  std::string next(milliseconds timeout = kBound) {
    pollfd ready{fd_.get(), POLLIN, 0};
    if (poll(&ready, 1, static_cast<int>(timeout.count())) != 1) return "";
    char buffer[4096];
    ssize_t got = recv(fd_.get(), buffer, sizeof buffer, 0);
    return got > 0 ? std::string(buffer, static_cast<size_t>(got)) : "";
  }

 private:
  std::string path_;
  UniqueFd fd_;
  bool bound_ = false;
};

TEST(SockdLifecycle, NotifiesSystemdOfReadyReloadAndStop) {
  TempDir dir;
  NotifySocket notify(dir.file("notify"));
  ASSERT_TRUE(notify.bound());
  const std::string conf = dir.write("sockd.conf", "permit 127.0.0.0/8\n");
  LaunchOptions launch;
  launch.argv = {sockd_binary(), "-F", "-t", "2", "-l", "127.0.0.1:0", "-f", conf};
  launch.env = {{"NOTIFY_SOCKET", dir.file("notify")}};
  launch.stderr_path = dir.file("stderr");
  ChildProcess sockd(launch);
  const std::string ready = notify.next();
  EXPECT_NE(ready.find("READY=1"), std::string::npos)
      << ready << read_text_file(dir.file("stderr"));
  EXPECT_NE(ready.find("STATUS=listening on 127.0.0.1:"), std::string::npos) << ready;
  ASSERT_TRUE(sockd.signal(SIGHUP));
  const std::string reloading = notify.next();
  EXPECT_NE(reloading.find("RELOADING=1"), std::string::npos) << reloading;
  EXPECT_NE(reloading.find("MONOTONIC_USEC="), std::string::npos) << reloading;
  EXPECT_NE(notify.next().find("READY=1"), std::string::npos);
  ASSERT_TRUE(sockd.signal(SIGTERM));
  EXPECT_NE(notify.next().find("STOPPING=1"), std::string::npos);
  auto status = sockd.wait(kBound);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

// The listening socket comes from systemd (fd 3, LISTEN_FDS=1, LISTEN_PID=sockd's pid): sockd
// serves on it instead of binding -l, with its worker threads sharing it.
TEST(SockdLifecycle, SocketActivationServesOnThePassedSocket) {
  UniqueFd passed = bind_loopback(true);
  ASSERT_TRUE(passed);
  const uint16_t port = local_port(passed.get());
  ASSERT_EQ(fcntl(passed.get(), F_SETFD, 0), 0);  // inherited by the shell, then moved to fd 3
  TempDir dir;
  const std::string conf = dir.write("sockd.conf", "permit 127.0.0.0/8\n");
  const std::string fd = std::to_string(passed.get());
  const std::string move_to_3 = passed.get() == 3 ? "" : " 3<&" + fd + " " + fd + "<&-";
  LaunchOptions launch;
  launch.argv = {"/bin/sh", "-c",
                 "export LISTEN_PID=$$ LISTEN_FDS=1; exec '" + sockd_binary() +
                     "' -F -t 2 -l 127.0.0.1:0 -f '" + conf + "'" + move_to_3};
  launch.stderr_path = dir.file("stderr");
  ChildProcess sockd(launch);
  passed.reset();  // only sockd holds it now
  ASSERT_TRUE(wait_until([&] {
    return read_text_file(dir.file("stderr")).find("listening on") != std::string::npos;
  })) << read_text_file(dir.file("stderr"));
  EXPECT_NE(read_text_file(dir.file("stderr"))
                .find("listening on 127.0.0.1:" + std::to_string(port) + " (socket from systemd)"),
            std::string::npos)
      << read_text_file(dir.file("stderr"));
  LoopbackServer echo(echo_handler);
  for (int i = 0; i < 8; ++i) {  // several clients: each worker accepts from the shared socket
    UniqueFd relay = open_relay(port, connect_request("127.0.0.1", echo.port()));
    ASSERT_TRUE(relay) << read_text_file(dir.file("stderr"));
    ASSERT_TRUE(send_all(relay.get(), "hi"));
    auto back = recv_exact(relay.get(), 2);
    ASSERT_TRUE(back);
  }
  ASSERT_TRUE(sockd.signal(SIGTERM));
  auto status = sockd.wait(kBound);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

// A passed socket bound where a `listen ... proxy_protocol` line says takes PROXY headers: the
// rules see the client the header reports, and a request without a header is refused.
TEST(SockdLifecycle, SocketActivationTakesProxyHeadersWhereListenSays) {
  UniqueFd passed = bind_loopback(true);
  ASSERT_TRUE(passed);
  const uint16_t port = local_port(passed.get());
  ASSERT_EQ(fcntl(passed.get(), F_SETFD, 0), 0);
  TempDir dir;
  const std::string conf = dir.write("sockd.conf", "listen 127.0.0.1:" + std::to_string(port) +
                                                       " proxy_protocol\n"
                                                       "proxy_from 127.0.0.0/8\n"
                                                       "permit 10.0.0.0/8\n");
  const std::string fd = std::to_string(passed.get());
  const std::string move_to_3 = passed.get() == 3 ? "" : " 3<&" + fd + " " + fd + "<&-";
  LaunchOptions launch;
  launch.argv = {"/bin/sh", "-c",
                 "export LISTEN_PID=$$ LISTEN_FDS=1; exec '" + sockd_binary() + "' -F -t 2 -f '" +
                     conf + "'" + move_to_3};
  launch.stderr_path = dir.file("stderr");
  ChildProcess sockd(launch);
  passed.reset();
  ASSERT_TRUE(wait_until([&] {
    return read_text_file(dir.file("stderr")).find("listening on") != std::string::npos;
  })) << read_text_file(dir.file("stderr"));
  EXPECT_NE(read_text_file(dir.file("stderr")).find("(socket from systemd) (PROXY protocol)"),
            std::string::npos)
      << read_text_file(dir.file("stderr"));
  LoopbackServer echo(echo_handler);
  const std::string header = "PROXY TCP4 10.7.7.7 127.0.0.1 40000 1080\r\n";
  std::vector<uint8_t> request(header.begin(), header.end());
  const std::vector<uint8_t> connect = connect_request("127.0.0.1", echo.port());
  request.insert(request.end(), connect.begin(), connect.end());
  UniqueFd relay = open_relay(port, request);
  ASSERT_TRUE(relay) << read_text_file(dir.file("stderr"));
  EXPECT_TRUE(echoes(relay.get(), "hi"));
  std::optional<Reply> reply;
  EXPECT_FALSE(open_relay(port, connect, &reply));
  ASSERT_TRUE(reply) << read_text_file(dir.file("stderr"));
  EXPECT_EQ(reply->code, ReplyCode::kRejected);
  ASSERT_TRUE(sockd.signal(SIGTERM));
  auto status = sockd.wait(kBound);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_NE(read_text_file(dir.file("stderr")).find("10.7.7.7:40000 CONNECT"), std::string::npos)
      << read_text_file(dir.file("stderr"));
}

// The shipped units, with ExecStart pointing at this build's sockd, pass systemd-analyze verify
// without a single warning (it exits 0 even on unknown keys). systemd is one of TEST_PKGS.
TEST(SockdLifecycle, ShippedUnitsPassSystemdAnalyzeVerify) {
  const std::string analyze = "/usr/bin/systemd-analyze";
  ASSERT_EQ(access(analyze.c_str(), X_OK), 0) << analyze << " is missing: install systemd";
  std::string service = read_text_file(source_file("etc/sockd.service"));
  const std::string socket_unit = read_text_file(source_file("etc/sockd.socket"));
  ASSERT_FALSE(service.empty() || socket_unit.empty()) << source_file("etc/");
  for (size_t at; (at = service.find("/usr/local/sbin/sockd")) != std::string::npos;)
    service.replace(at, std::strlen("/usr/local/sbin/sockd"), sockd_binary());
  TempDir dir;
  CommandResult r = run_command({analyze, "verify", "--man=no", dir.write("sockd.service", service),
                                 dir.write("sockd.socket", socket_unit)},
                                milliseconds(60000));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out + r.err, "");
}

}  // namespace
}  // namespace socks4::test
