// socks.conf's `: shell_cmd` runs when its line decides a connection: with the % values of
// sockd.conf, every substituted value sanitised by the same code as sockd's, without blocking
// the connect, invisible to the program's own wait(2), and never in a setuid program.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "../support/child_process.h"
#include "../support/temp_dir.h"
#include "client_plain_path.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

// The file a command writes (through a temporary name and mv, so it is whole once it exists);
// empty if it did not appear within `timeout`.
std::string wait_for_file(const std::string& path, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (access(path.c_str(), F_OK) == 0) return read_text_file(path);
    std::this_thread::sleep_for(milliseconds(10));
  }
  return "";
}

// A command line that writes its arguments to `out`, whole.
std::string writer(const std::string& out, const std::string& words) {
  return "echo " + words + " > " + out + ".part && mv " + out + ".part " + out;
}

// Connects to 127.0.0.1:9 (refused by the socks.conf below), then waits for its children: its
// own `true` first, then nothing.
constexpr const char* kConnectAndWait = R"(
import errno, os, socket, subprocess
own = subprocess.Popen(["/bin/true"])
s = socket.socket()
try:
    s.connect(("127.0.0.1", 9))
    print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
pid, status = os.wait()
print("own child" if pid == own.pid else "another child", status)
try:
    print("more", os.wait())
except ChildProcessError:
    print("no more children")
)";

class ClientShellTest : public PreloadTest {
 protected:
  std::string out() const { return files_.file("out"); }
};

TEST_F(ClientShellTest, DenyLineRunsItsCommandWithSanitisedValues) {
  const std::string pwned = files_.file("pwned");
  conf_ = files_.write("socks.conf", "deny 127.0.0.1 255.255.255.255 eq 9 : " +
                                         writer(out(), "%u %U %Z %z %s %S %c") + "\n");
  const std::string hostile_user = "$(touch " + pwned + ");`id`|x&y";
  CommandResult r =
      run_socksified({"/usr/bin/python3", "-c",
                      "import socket\ntry:\n socket.create_connection(('127.0.0.1', 9), 10)\n"
                      "except OSError as e:\n print(e.errno)\n"},
                     {{"SOCKS_USERNAME", hostile_user}});
  EXPECT_EQ(r.out, "111\n");  // ECONNREFUSED
  const std::string sanitised = "__touch_" + files_.path() + "/pwned___id__x_y";
  EXPECT_EQ(wait_for_file(out(), milliseconds(10000)),
            sanitised + " " + sanitised + " 127.0.0.1 127.0.0.1 9 discard connect\n");
  EXPECT_FALSE(std::filesystem::exists(pwned));
}

TEST_F(ClientShellTest, TheProgramsWaitSeesOnlyItsOwnChildren) {
  // The command outlives the connect; the program's wait(2) must neither see nor wait for it.
  conf_ = files_.write("socks.conf", "deny 127.0.0.1 255.255.255.255 eq 9 : sleep 1; " +
                                         writer(out(), "%c %s") + "\n");
  CommandResult r = run_socksified({"/usr/bin/python3", "-c", kConnectAndWait});
  EXPECT_EQ(r.out, "ECONNREFUSED\nown child 0\nno more children\n") << r.err;
  EXPECT_EQ(wait_for_file(out(), milliseconds(10000)), "connect 9\n");
}

TEST_F(ClientShellTest, AtMostEightRunAtOnceHoldingNoneOfTheProgramsDescriptors) {
  // Twelve refusals in quick succession, each starting a command that outlives the program. The
  // program's stdout and stderr pipes close when it exits: no command or supervisor holds them.
  conf_ = files_.write("socks.conf", "deny 127.0.0.1 255.255.255.255 eq 9 : sleep 20\n");
  CommandResult r = run_command(
      socksified({"/usr/bin/python3", "-c",
                  "import socket\nfor i in range(12):\n try:\n  "
                  "socket.create_connection(('127.0.0.1', 9))\n except OSError:\n  pass\n"}),
      milliseconds(10000));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  size_t dropped = 0;
  for (size_t at = r.err.find("shell command not run: 8 are still running");
       at != std::string::npos;
       at = r.err.find("shell command not run: 8 are still running", at + 1)) {
    ++dropped;
  }
  EXPECT_EQ(dropped, 4u) << r.err;
}

TEST_F(ClientShellTest, TheLibraryRunsItToo) {
  conf_ = files_.write("socks.conf",
                       "deny 127.0.0.1 255.255.255.255 eq 9 : " + writer(out(), "%c %Z %s") + "\n");
  CommandResult r = run_command({plain_client_binary(), "127.0.0.1", "9", "/", "10"},
                                milliseconds(30000), {{"SOCKS_CONF", conf_}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(wait_for_file(out(), milliseconds(10000)), "connect 127.0.0.1 9\n");
}

// A setuid program ignores SOCKS_CONF, so /etc/socks.conf is the test's own, in a private mount
// namespace (an overlay on /etc). The program runs as nobody: a copy of the library-linked test
// client, setuid root (so AT_SECURE), and, as the control, the same copy without the bit.
class ClientShellSetuidTest : public ::testing::Test {
 protected:
  // Runs `program` as nobody with the test's /etc/socks.conf; returns what its command wrote
  // (and removes it).
  std::string run_as_nobody(const std::string& program) {
    const std::string script =
        "mount -t overlay overlay -o lowerdir=/etc,upperdir=" + dir_.file("upper") +
        ",workdir=" + dir_.file("work") + " /etc && exec setpriv --reuid=65534 --regid=65534 " +
        "--clear-groups " + program + " 127.0.0.1 9 / 10";
    CommandResult r =
        run_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", script},
                    milliseconds(30000));
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the client's "failed"; not 126/127 from exec
    // The program has exited; a command it started writes within this bound.
    std::string written = wait_for_file(out(), milliseconds(3000));
    std::filesystem::remove(out());
    return written;
  }

  std::string out() const { return dir_.file("outputs/out"); }

  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "needs root (a setuid-root copy, mount namespaces)";
    chmod(dir_.path().c_str(), 0755);
    std::filesystem::create_directories(dir_.file("upper"));
    std::filesystem::create_directories(dir_.file("work"));
    std::filesystem::create_directories(dir_.file("outputs"));
    chmod(dir_.file("outputs").c_str(), 0777);
    dir_.write("upper/socks.conf",
               "deny 127.0.0.1 255.255.255.255 eq 9 : " + writer(out(), "%c") + "\n");
    std::filesystem::copy_file(plain_client_binary(), dir_.file("client"));
    chmod(dir_.file("client").c_str(), 0755);
    std::filesystem::copy_file(plain_client_binary(), dir_.file("setuid_client"));
    chmod(dir_.file("setuid_client").c_str(), 04755);
  }

  TempDir dir_;
};

TEST_F(ClientShellSetuidTest, NeverFromASetuidProgram) {
  // Control: the same program without the setuid bit runs the command.
  EXPECT_EQ(run_as_nobody(dir_.file("client")), "connect\n");
  // Setuid: the command would run with the program's euid 0; it must not run at all.
  EXPECT_EQ(run_as_nobody(dir_.file("setuid_client")), "");
}

}  // namespace
}  // namespace socks4::test
