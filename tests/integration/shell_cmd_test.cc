// The shell commands of sockd.conf rules: %-substitution lands in a file, sanitised; a hostile
// USERID or 4a HOSTNAME cannot run a command; #NO_IDENTD: and #BAD_ID: run; no client socket
// leaks into a command; commands are bounded in number and time and do not outlive sockd.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "../support/identd_private_net.h"
#include "../support/identd_scripted.h"
#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "../support/temp_dir.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kFileBound{10000};

// Waits (bounded) until `path` holds at least `lines` lines; returns its text.
std::string wait_for_lines(const std::string& path, size_t lines) {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text = read_text_file(path);
    if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= lines) break;
    std::this_thread::sleep_for(kFileBound / 200);
  }
  return text;
}

int reply_code(uint16_t sockd_port, const std::vector<uint8_t>& request) {
  UniqueFd fd = send_request(sockd_port, request);
  if (!fd) return 0;
  auto reply = read_reply(fd.get());
  return reply ? static_cast<int>(reply->code) : 0;
}

class ShellCmdTest : public SockdTest {
 protected:
  TempDir dir_;
  LoopbackServer echo_{echo_handler};
};

TEST_F(ShellCmdTest, SubstitutionsLandInAFile) {
  const std::string out = dir_.file("out");
  ASSERT_NO_FATAL_FAILURE(start_sockd(
      with_config("permit 127.0.0.0/8 : echo %c %u %a %A %s %z %Z %U. %% >> " + out + "\n")));
  ASSERT_EQ(reply_code(port(), connect_request("127.0.0.1", echo_.port(), "alice")), 90);
  const std::string p = std::to_string(echo_.port());
  EXPECT_EQ(wait_for_lines(out, 1),
            "connect alice 127.0.0.1 127.0.0.1 " + p + " 127.0.0.1 127.0.0.1 . %\n");
}

TEST_F(ShellCmdTest, PidAndDenyRulesToo) {
  const std::string out = dir_.file("out");
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("deny 127.0.0.0/8 : echo %p >> " + out + "\n")));
  ASSERT_EQ(reply_code(port(), connect_request("127.0.0.1", echo_.port(), "bob")), 91);
  EXPECT_EQ(wait_for_lines(out, 1), std::to_string(sockd().pid()) + "\n");
}

TEST_F(ShellCmdTest, HostileUserIdsCannotRunCommands) {
  const std::string out = dir_.file("out");
  const std::string pwn = dir_.file("pwn");
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("permit 127.0.0.0/8 : echo %u >> " + out + "\n")));
  const std::vector<std::string> hostile = {"$(touch " + pwn + ")", ";touch " + pwn + ";",
                                            "`touch " + pwn + "`",  "|touch " + pwn,
                                            "&&touch " + pwn,       "\ntouch " + pwn};
  for (const std::string& user : hostile) {
    EXPECT_EQ(reply_code(port(), connect_request("127.0.0.1", echo_.port(), user)), 90) << user;
  }
  // Every command ran (one line each, in any order: they run side by side) and wrote the
  // sanitised text instead of running touch. The temp dir's path has only safe characters.
  std::istringstream text(wait_for_lines(out, hostile.size()));
  std::multiset<std::string> lines;
  for (std::string line; std::getline(text, line);) lines.insert(line);
  EXPECT_EQ(lines, (std::multiset<std::string>{"__touch_" + pwn + "_", "_touch_" + pwn + "_",
                                               "_touch_" + pwn + "_", "_touch_" + pwn,
                                               "__touch_" + pwn, "_touch_" + pwn}));
  EXPECT_FALSE(std::filesystem::exists(pwn));
}

TEST_F(ShellCmdTest, HostileHostNameCannotRunCommands) {
  const std::string out = dir_.file("out");
  const std::string pwn = dir_.file("pwn");
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("deny 127.0.0.0/8 .test : echo %Z >> " + out + "\n")));
  EXPECT_EQ(reply_code(port(), connect_request_4a("$(touch${IFS}" + pwn + ").test", 80)), 91);
  EXPECT_EQ(wait_for_lines(out, 1), "__touch__IFS_" + pwn + "_.test\n");
  EXPECT_FALSE(std::filesystem::exists(pwn));
}

TEST_F(ShellCmdTest, NoSocketLeaksIntoTheCommand) {
  const std::string out = dir_.file("fds");
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("permit 127.0.0.0/8 : ls -l /proc/$$/fd > " +
                                                  out + ".new; mv " + out + ".new " + out + "\n")));
  std::optional<Reply> reply;
  UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", echo_.port()), &reply);
  ASSERT_TRUE(relay);  // the client and server sockets are open while the command runs
  const std::string text = wait_for_lines(out, 3);  // renamed into place: complete
  EXPECT_NE(text.find("/dev/null"), std::string::npos) << text;
  EXPECT_EQ(text.find("socket:"), std::string::npos) << text;
  EXPECT_EQ(text.find("pipe:"), std::string::npos) << text;
}

TEST_F(ShellCmdTest, CommandsPastTheTimeLimitAreKilled) {
  const std::string out = dir_.file("out");
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("timeout shell 1\npermit 127.0.0.0/8 : echo started >> " + out +
                              "; sleep 30; echo late >> " + out + "\n")));
  ASSERT_EQ(reply_code(port(), connect_request("127.0.0.1", echo_.port())), 90);
  EXPECT_EQ(wait_for_lines(out, 1), "started\n");
  EXPECT_TRUE(sockd().wait_for_log("killed after 1 s (timeout shell)", kFileBound))
      << sockd().log();
  EXPECT_EQ(read_text_file(out), "started\n");
}

TEST_F(ShellCmdTest, ExcessCommandsAreDroppedAndNoneOutlivesSockd) {
  const std::string pids = dir_.file("pids");
  ASSERT_NO_FATAL_FAILURE(
      start_sockd(with_config("permit 127.0.0.0/8 : echo $$ >> " + pids + "; exec sleep 30\n")));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(reply_code(port(), connect_request("127.0.0.1", echo_.port())), 90);
  }
  EXPECT_TRUE(sockd().wait_for_log("commands are still running", kFileBound)) << sockd().log();
  const std::string text = wait_for_lines(pids, 16);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 16) << text;
  EXPECT_EQ(WEXITSTATUS(sockd().process().stop()), 0);
  std::istringstream lines(text);
  for (pid_t pid; lines >> pid;) {
    EXPECT_NE(kill(pid, 0), 0) << "command " << pid << " outlived sockd";
  }
}

TEST_F(ShellCmdTest, FailingCommandIsLogged) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("permit 127.0.0.0/8 : exit 3\n")));
  ASSERT_EQ(reply_code(port(), connect_request("127.0.0.1", echo_.port())), 90);
  EXPECT_TRUE(sockd().wait_for_log("exited with status 3", kFileBound)) << sockd().log();
}

// #NO_IDENTD: and #BAD_ID: need an identd at the client's address: a private namespace.
TEST(ShellCmdIdentd, NoIdentdAndBadIdCommandsRun) {
  PrivateNetwork network;
  ASSERT_TRUE(network.ok()) << network.error();
  TempDir dir;
  LoopbackServer echo(echo_handler);
  const std::string out = dir.file("out");
  SockdProcess sockd(with_config("#NO_IDENTD: echo no identd for %u at %a >> " + out +
                                 "\n#BAD_ID: echo %u is really %U >> " + out +
                                 "\npermit ?=I 127.0.0.0/8 : echo granted %u %U >> " + out + "\n"));
  ASSERT_TRUE(sockd.start()) << sockd.error();
  EXPECT_EQ(reply_code(sockd.port(), connect_request("127.0.0.1", echo.port(), "alice")), 92);
  EXPECT_EQ(wait_for_lines(out, 1), "no identd for alice at 127.0.0.1\n");
  {
    ScriptedIdentd identd(
        "127.0.0.1",
        {[](const std::string& query) { return userid_answer(query, "$(mallory)"); }, false});
    ASSERT_TRUE(identd.listening());
    EXPECT_EQ(reply_code(sockd.port(), connect_request("127.0.0.1", echo.port(), "alice")), 93);
    EXPECT_EQ(wait_for_lines(out, 2),
              "no identd for alice at 127.0.0.1\nalice is really __mallory_\n");
  }
  ScriptedIdentd identd(
      "127.0.0.1", {[](const std::string& query) { return userid_answer(query, "alice"); }, false});
  ASSERT_TRUE(identd.listening());
  EXPECT_EQ(reply_code(sockd.port(), connect_request("127.0.0.1", echo.port(), "alice")), 90);
  EXPECT_EQ(wait_for_lines(out, 3),
            "no identd for alice at 127.0.0.1\nalice is really __mallory_\ngranted alice alice\n");
}

}  // namespace
}  // namespace socks4::test
