// A program the preload cannot reach (statically linked, Go), started by a program the preload
// is in (a shell, python's posix_spawn, a script's static interpreter), runs under socksify's
// seccomp supervisor, so its connections still go through sockd; where socksify cannot be
// found next to the library, the exec is refused (EACCES) with a line naming the program.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

// <build>/tests/<name> (Makefile: SUPERVISED_CLIENTS).
std::string build_file(const std::string& relative) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path().parent_path() / relative).string();
}

class PreloadExecTest : public PreloadTest {
 protected:
  bool granted_echo() { return sockd_granted("127.0.0.1:" + echo_port_); }

  // The static client's command line: it connects to the echo server and prints the echo.
  std::string static_client(const std::string& message) const {
    return client_ + " 127.0.0.1 " + echo_port_ + " " + message;
  }

  LoopbackServer echo_{echo_handler};
  std::string echo_port_ = std::to_string(echo_.port());
  std::string client_ = build_file("tests/supervised_client_static");
};

TEST_F(PreloadExecTest, ShellStartsAStaticProgramUnderTheSupervisor) {
  CommandResult r = run_socksified({"/bin/sh", "-c", static_client("from-sh")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("echo from-sh\n"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_echo()) << sockd().log();
}

TEST_F(PreloadExecTest, PosixSpawnOfAStaticProgramIsSupervised) {
  CommandResult r = run_python(
      "import os, sys\n"
      "pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)\n"
      "print('status', os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n",
      {client_, "127.0.0.1", echo_port_, "spawned"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("echo spawned\n"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("status 0\n"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_echo()) << sockd().log();
}

// posix_spawnp and execvp find the program along PATH: judged is the file they would run.
TEST_F(PreloadExecTest, PathSearchingCallsAreJudgedByTheFileFound) {
  const std::string directory = std::filesystem::path(client_).parent_path().string();
  CommandResult r = run_python(
      "import os, sys\n"
      "os.environ['PATH'] = sys.argv[1] + ':' + os.environ.get('PATH', '')\n"
      "pid = os.posix_spawnp('supervised_client_static',"
      " ['supervised_client_static'] + sys.argv[2:], os.environ)\n"
      "os.waitpid(pid, 0)\n"
      "sys.stdout.flush()\n"
      "os.execvp('supervised_client_static', ['supervised_client_static'] + sys.argv[2:])\n",
      {directory, "127.0.0.1", echo_port_, "along-path"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string echo = "echo along-path\n";
  const size_t first = r.out.find(echo);
  ASSERT_NE(first, std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find(echo, first + 1), std::string::npos) << r.out << r.err;
  sockd().wait_for_log("granted", milliseconds(5000));
  EXPECT_EQ(sockd().log_lines_with({"CONNECT", " 127.0.0.1:" + echo_port_ + " ", "granted"}).size(),
            2u)
      << sockd().log();
}

// A script is judged by its interpreter: busybox-static's sh here.
TEST_F(PreloadExecTest, ScriptWithAStaticInterpreterIsSupervised) {
  const std::string script =
      files_.write("static-shell.sh", "#!/bin/busybox sh\n" + static_client("from-script") + "\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  CommandResult r = run_socksified({"/bin/sh", "-c", script});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("echo from-script\n"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(granted_echo()) << sockd().log();
}

// The library alone, away from socksify: nothing can supervise the program, so it does not run.
TEST_F(PreloadExecTest, WithoutSocksifyTheExecIsRefused) {
  const std::string library = files_.path() + "/libsocksify.so";
  std::filesystem::copy_file(preload_library(), library);
  CommandResult r = run_command({"/bin/sh", "-c", static_client("never-sent")}, milliseconds(30000),
                                {{"LD_PRELOAD", library},
                                 {"SOCKS_SERVER", "127.0.0.1:" + std::to_string(port())},
                                 {"SOCKS_CONF", conf_}});
  EXPECT_EQ(r.exit_code, 126) << r.out << r.err;  // the shell's "cannot execute"
  EXPECT_NE(r.err.find("socksify: " + client_ +
                       ": statically linked (no ELF interpreter): the preload library cannot "
                       "reach it"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("echo"), std::string::npos) << r.out;
  EXPECT_EQ(echo_.accepted(), 0);
}

// An ordinary dynamic program is left to the preload: nothing supervises it.
TEST_F(PreloadExecTest, DynamicProgramsStayWithThePreload) {
  CommandResult r = run_socksified({"/bin/sh", "-c",
                                    "exec /usr/bin/python3 -c 'import os; "
                                    "print(\"preloaded\" if \"libsocksify\" in "
                                    "os.environ.get(\"LD_PRELOAD\", \"\") and "
                                    "os.getppid() > 1 else \"no\")'"},
                                   {{"SOCKS_DEBUG", "1"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "preloaded\n") << r.err;
  EXPECT_EQ(r.err.find("supervis"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace socks4::test
