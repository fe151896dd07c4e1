// `log FILE` and SIGUSR1, as logrotate uses them: the file is renamed, sockd is sent SIGUSR1,
// and sockd goes on in a new file of the same name. Without a log file SIGUSR1 does no harm.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kBound{5000};

class LogFile : public SockdTest {
 protected:
  void relay_once() {
    LoopbackServer echo(echo_handler);
    UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", echo.port()));
    ASSERT_TRUE(relay);
  }
  TempDir files_;
};

TEST_F(LogFile, SigusrOneReopensTheFileAfterARename) {
  const std::string log_file = files_.file("sockd.log");
  SockdOptions options;
  options.config = "log " + log_file + "\npermit 127.0.0.0/8\n";
  options.log_file = log_file;
  ASSERT_NO_FATAL_FAILURE(start_sockd(options));
  ASSERT_NO_FATAL_FAILURE(relay_once());
  ASSERT_TRUE(sockd().wait_for_log("-> granted", kBound)) << sockd().log();

  const std::string rotated = files_.file("sockd.log.1");
  ASSERT_EQ(std::rename(log_file.c_str(), rotated.c_str()), 0);
  ASSERT_TRUE(sockd().process().signal(SIGUSR1));
  ASSERT_TRUE(sockd().wait_for_log("SIGUSR1: reopened " + log_file, kBound)) << sockd().log();
  ASSERT_NO_FATAL_FAILURE(relay_once());
  EXPECT_TRUE(sockd().wait_for_log("-> granted", kBound)) << sockd().log();

  // The old file keeps what came before, and nothing after.
  const std::string old_text = read_text_file(rotated);
  EXPECT_NE(old_text.find("listening on"), std::string::npos) << old_text;
  EXPECT_EQ(old_text.find("SIGUSR1"), std::string::npos) << old_text;
  EXPECT_EQ(sockd().log().find("listening on"), std::string::npos) << sockd().log();
  EXPECT_TRUE(sockd().process().running());
}

TEST_F(LogFile, SigusrOneIsHarmlessWithoutALogFile) {
  ASSERT_NO_FATAL_FAILURE(start_sockd());
  ASSERT_TRUE(sockd().process().signal(SIGUSR1));
  ASSERT_TRUE(sockd().wait_for_log("SIGUSR1: no log file to reopen", kBound)) << sockd().log();
  EXPECT_TRUE(sockd().process().running());
  ASSERT_NO_FATAL_FAILURE(relay_once());
}

TEST_F(LogFile, AnUnwritableLogFileRefusesToStart) {
  SockdOptions options;
  options.config = "log " + files_.file("no-such-dir/sockd.log") + "\npermit 127.0.0.0/8\n";
  SockdProcess sockd(options);
  EXPECT_FALSE(sockd.start());
  EXPECT_NE(sockd.error().find("no-such-dir/sockd.log"), std::string::npos) << sockd.error();
  EXPECT_FALSE(sockd.process().running());
}

}  // namespace
}  // namespace socks4::test
