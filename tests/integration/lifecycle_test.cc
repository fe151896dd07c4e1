// sockd's life as an administrator sees it: a second instance on the same address, daemon
// start-up errors, the pid file, relative paths in daemon mode, and stray signals.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../support/child_process.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{10000};

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

}  // namespace
}  // namespace socks4::test
