// SOCKS_SYSLOG=1: every decision goes to syslog, facility user, whatever SOCKS_QUIET says.
// glibc and the library send to /dev/log, a fixed path: the program runs in a private mount
// namespace whose /dev is the test's directory, where the test's own datagram socket is "log".
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "preload_fixture.h"
#include "socks4/unique_fd.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

// Two refused CONNECTs (port 9, denied by sockd.conf) and one granted.
constexpr const char* kScript = R"(
import socket
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
for attempt in range(2):
    try:
        socket.create_connection(("127.0.0.1", 9), 10)
    except OSError as e:
        print(e.errno)
socket.create_connection(listener.getsockname(), 10).close()
print(listener.getsockname()[1])
)";

class PreloadSyslogTest : public PreloadTest {
 protected:
  void SetUp() override {
    SockdOptions options;
    options.hosts = kSockdHosts;
    options.config =
        "deny 127.0.0.0 255.0.0.0 127.0.0.1 255.255.255.255 eq 9\npermit 127.0.0.0 255.0.0.0\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
    conf_ = files_.write("socks.conf", "sockd 127.0.0.0 255.0.0.0\n");
    ASSERT_EQ(geteuid(), 0u) << "needs root (a private mount namespace)";
    std::filesystem::create_directories(files_.file("dev"));
    log_.reset(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = files_.file("dev/log");
    ASSERT_LT(path.size(), sizeof address.sun_path);
    path.copy(address.sun_path, path.size());
    ASSERT_EQ(bind(log_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }

  // Runs the script under socksify with /dev replaced; its stdout.
  CommandResult run_in_private_dev(const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv = {
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "touch \"$0/dev/null\" && mount --bind /dev/null \"$0/dev/null\" && "
        "mount --bind \"$0/dev\" /dev && exec \"$@\"",
        files_.path()};
    for (const std::string& arg :
         socksified({"/usr/bin/python3", files_.write("script.py", kScript)})) {
      argv.push_back(arg);
    }
    return run_command(argv, milliseconds(30000), env);
  }

  // Every datagram received so far (the program has exited: all it sent is queued).
  std::vector<std::string> received() {
    std::vector<std::string> out;
    char buffer[4096];
    ssize_t n;
    while ((n = recv(log_.get(), buffer, sizeof buffer, 0)) > 0) out.emplace_back(buffer, n);
    return out;
  }

  UniqueFd log_;
};

size_t count_with(const std::vector<std::string>& lines, const std::string& needle) {
  size_t count = 0;
  for (const std::string& line : lines) count += line.find(needle) != std::string::npos;
  return count;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST_F(PreloadSyslogTest, EveryDecisionIsLoggedToFacilityUserEvenWhenQuiet) {
  CommandResult r = run_in_private_dev({{"SOCKS_SYSLOG", "1"}, {"SOCKS_QUIET", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string listener_port =
      r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1,
                   r.out.size() - r.out.rfind('\n', r.out.size() - 2) - 2);
  const std::string server = "127.0.0.1:" + std::to_string(port());
  std::vector<std::string> lines = received();
  // user.notice (<13>) for each refusal, not once only; user.info (<14>) for the rest.
  EXPECT_EQ(count_with(lines, "<13>socksify["), 2u) << joined(lines);
  EXPECT_EQ(count_with(lines, "]: python3: sockd " + server +
                                  " refused CONNECT to 127.0.0.1:9 (request rejected)"),
            2u)
      << joined(lines);
  EXPECT_EQ(
      count_with(lines, "]: python3: CONNECT to 127.0.0.1:9 through sockd (" + conf_ + " line 1)"),
      2u)
      << joined(lines);
  EXPECT_EQ(count_with(lines, "<14>socksify["), lines.size() - 2) << joined(lines);
  EXPECT_EQ(count_with(lines, "]: python3: sockd " + server +
                                  " granted CONNECT to 127.0.0.1:" + listener_port),
            1u)
      << joined(lines);
}

TEST_F(PreloadSyslogTest, TheSyslogLineOfSocksConfAsksForItToo) {
  conf_ = files_.write("socks.conf", "syslog\nsockd 127.0.0.0 255.0.0.0\n");
  CommandResult r = run_in_private_dev({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = received();
  EXPECT_EQ(
      count_with(lines, "]: python3: CONNECT to 127.0.0.1:9 through sockd (" + conf_ + " line 2)"),
      2u)
      << joined(lines);
  EXPECT_EQ(count_with(lines, "<13>socksify["), 2u) << joined(lines);
}

TEST_F(PreloadSyslogTest, NothingWithoutSocksSyslog) {
  CommandResult r = run_in_private_dev({});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(received(), std::vector<std::string>{});
}

}  // namespace
}  // namespace socks4::test
