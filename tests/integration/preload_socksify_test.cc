// The socksify wrapper: options become environment variables, the preload is put first in
// LD_PRELOAD without dropping what was there, and the command's exit status comes back.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <fstream>
#include <sstream>

#include "../support/child_process.h"
#include "../support/temp_dir.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

CommandResult socksify(std::vector<std::string> args,
                       const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), socksify_path());
  return run_command(args, milliseconds(15000), env);
}

TEST(SocksifyTest, HelpAndVersion) {
  CommandResult help = socksify({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: socksify [options] COMMAND [ARGS...]"), std::string::npos);
  EXPECT_NE(help.out.find("-r MODE"), std::string::npos);
  CommandResult version = socksify({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "socksify (socks4) " SOCKS4_VERSION "\n");
}

TEST(SocksifyTest, OptionsBecomeEnvironment) {
  CommandResult r =
      socksify({"-s", "192.0.2.1:1080,192.0.2.9", "-u", "alice", "-d", "-r", "remote", "sh", "-c",
                "echo $SOCKS_SERVER $SOCKS_USERNAME $SOCKS_DEBUG $SOCKS_RESOLVE"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "192.0.2.1:1080,192.0.2.9 alice 1 remote\n");
}

TEST(SocksifyTest, PreloadGoesFirstAndKeepsWhatWasThere) {
  // libc itself is a harmless library to preload.
  CommandResult r = socksify({"-s", "127.0.0.1:1", "sh", "-c", "echo \"$LD_PRELOAD\""},
                             {{"LD_PRELOAD", "libc.so.6"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.ends_with("/libsocksify.so libc.so.6\n")) << r.out;
}

TEST(SocksifyTest, ExitStatusOfTheCommand) {
  EXPECT_EQ(socksify({"-s", "127.0.0.1:1", "sh", "-c", "exit 42"}).exit_code, 42);
  EXPECT_EQ(socksify({"-s", "127.0.0.1:1", "true"}).exit_code, 0);
  EXPECT_EQ(socksify({"-s", "127.0.0.1:1", "/nonexistent/program"}).exit_code, 127);
}

TEST(SocksifyTest, BadUsageIsReported) {
  CommandResult none = socksify({});
  EXPECT_EQ(none.exit_code, 125);
  EXPECT_NE(none.err.find("Usage:"), std::string::npos);
  CommandResult mode = socksify({"-r", "sometimes", "true"});
  EXPECT_EQ(mode.exit_code, 125);
  EXPECT_NE(mode.err.find("fallback, remote or local"), std::string::npos) << mode.err;
  CommandResult option = socksify({"-x", "true"});
  EXPECT_EQ(option.exit_code, 125);
  EXPECT_NE(option.err.find("unknown option '-x'"), std::string::npos) << option.err;
  CommandResult conf = socksify({"-c", "/nonexistent/socks.conf", "true"});
  EXPECT_EQ(conf.exit_code, 125);
}

TEST(SocksifyTest, WarnsWhenNothingIsConfigured) {
  CommandResult r = socksify({"true"}, {{"SOCKS_CONF", ""}, {"SOCKS_SERVER", ""}});
  EXPECT_EQ(r.exit_code, 0);
  if (access("/etc/socks.conf", F_OK) != 0) {
    EXPECT_NE(r.err.find("connections go direct"), std::string::npos) << r.err;
  }
}

// The preload goes into every process socksify starts, C programs included: it must not drag
// in the shared C++ runtime, whose symbol relocations cost about 1 ms per process start.
TEST(SocksifyTest, PreloadNeedsOnlyTheCLibrary) {
  CommandResult path = socksify({"-s", "127.0.0.1:1", "sh", "-c", "printf %s \"$LD_PRELOAD\""});
  ASSERT_EQ(path.exit_code, 0) << path.err;
  ASSERT_TRUE(path.out.ends_with("/libsocksify.so")) << path.out;
  CommandResult dynamic = run_command({"readelf", "-d", path.out}, milliseconds(15000));
  ASSERT_EQ(dynamic.exit_code, 0) << dynamic.err;
  std::vector<std::string> needed;
  for (size_t at = dynamic.out.find("Shared library: ["); at != std::string::npos;
       at = dynamic.out.find("Shared library: [", at + 1)) {
    size_t start = at + std::strlen("Shared library: [");
    needed.push_back(dynamic.out.substr(start, dynamic.out.find(']', start) - start));
  }
  ASSERT_FALSE(needed.empty()) << dynamic.out;
  for (const std::string& library : needed) {
    EXPECT_TRUE(library == "libc.so.6" || library.starts_with("ld-linux")) << dynamic.out;
  }
}

// socksify's fast start (preload/socksify_fast_start.cc): with nothing to check but the program,
// socksify execs it before its own C library is set up (~0.7 ms of trapped CPUID instructions
// on a virtual machine). strace shows that set-up: glibc's first act is to set the thread
// pointer (arch_prctl ARCH_SET_FS).
class SocksifyFastStartTest : public ::testing::Test {
 protected:
  // The system calls `args` under socksify made between socksify's exec and the command's:
  // the arch_prctl calls, and whether the command was exec'd at all.
  struct Start {
    int c_library_set_ups = 0;
    bool command_started = false;
    std::string trace;
  };
  Start trace(std::vector<std::string> args, const std::string& command) {
    std::string out = dir_.file("trace");
    args.insert(args.begin(),
                {"strace", "-qq", "-e", "trace=execve,arch_prctl", "-o", out, socksify_path()});
    CommandResult r = run_command(args, milliseconds(15000));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::ifstream file(out);
    Start start;
    std::stringstream text;
    text << file.rdbuf();
    start.trace = text.str();
    std::istringstream lines(start.trace);
    int execs = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("execve(")) {
        ++execs;
        if (execs == 2) start.command_started = line.starts_with("execve(\"" + command + "\"");
        if (execs == 2) break;
      } else if (execs == 1 && line.starts_with("arch_prctl(ARCH_SET_FS")) {
        ++start.c_library_set_ups;
      }
    }
    return start;
  }
  TempDir dir_;
  std::string conf_ = dir_.write("socks.conf", "deny 0.0.0.0/0\n");
};

TEST_F(SocksifyFastStartTest, ExecsBeforeItsOwnCLibraryIsSetUp) {
  Start start = trace({"-c", conf_, "-q", "/bin/true"}, "/bin/true");
  EXPECT_TRUE(start.command_started) << start.trace;
  EXPECT_EQ(start.c_library_set_ups, 0) << start.trace;
}

// What the fast start cannot check (a server list, a program to supervise) goes to main(),
// which starts with the C library: the hand-over to glibc's _start works.
TEST_F(SocksifyFastStartTest, LeavesToMainWhatItCannotCheck) {
  Start listed = trace({"-s", "127.0.0.1:1", "/bin/true"}, "/bin/true");
  EXPECT_TRUE(listed.command_started) << listed.trace;
  EXPECT_EQ(listed.c_library_set_ups, 1) << listed.trace;
  Start helped = trace({"-c", conf_, "--version"}, "");
  EXPECT_EQ(helped.c_library_set_ups, 1) << helped.trace;
}

// As for main(), the last -m counts: aria2c (c-ares, through libaria2) needs the supervisor under
// auto, so the fast start leaves it to main().
TEST_F(SocksifyFastStartTest, TheLastMethodCounts) {
  Start start =
      trace({"-c", conf_, "-q", "-m", "preload", "-m", "auto", "aria2c", "--version"}, "");
  EXPECT_EQ(start.c_library_set_ups, 1) << start.trace;
}

TEST_F(SocksifyFastStartTest, AppliesTheOptionsAsMainDoes) {
  const std::string show =
      "echo \"$SOCKS_CONF $SOCKS_USERNAME $SOCKS_DEBUG $SOCKS_RESOLVE $SOCKS_QUIET|$LD_PRELOAD\"";
  CommandResult r = socksify({"-c", conf_, "-u", "alice", "-d", "-r", "remote", "-q", "-m", "auto",
                              "--", "sh", "-c", show},
                             {{"LD_PRELOAD", "libc.so.6"}, {"SOCKS_USERNAME", "bob"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with(conf_ + " alice 1 remote 1|/")) << r.out;
  EXPECT_TRUE(r.out.ends_with("/libsocksify.so libc.so.6\n")) << r.out;
}

}  // namespace
}  // namespace socks4::test
