// rftp and rtelnet sort their arguments: socksify's options first, the first other argument or
// -- ends them, and the rest goes to the wrapped program unchanged. (Sessions through a firewall:
// tests/e2e, RftpActiveDownload and RtelnetSessionToALineService.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../support/child_process.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

std::string built(const std::string& name) {
  return (std::filesystem::path(socksify_path()).parent_path() / name).string();
}

TEST(RCommands, HelpNamesTheProgramsLookedFor) {
  CommandResult r = run_command({built("rftp"), "--help"}, milliseconds(10000));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Runs the system's ftp (tnftp, else inetutils-ftp) through socksify"),
            std::string::npos)
      << r.out;
}

TEST(RCommands, OptionsAfterDoubleDashGoToTheProgram) {
  // telnet's own --version, after socksify's -s, -r and -q.
  CommandResult r =
      run_command({built("rtelnet"), "-s", "127.0.0.1:1", "-r", "remote", "-q", "--", "--version"},
                  milliseconds(10000));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("telnet"), std::string::npos) << r.out;
}

TEST(RCommands, AMissingValueOrABadServerListIsSocksifysFailure) {
  CommandResult r = run_command({built("rftp"), "-s"}, milliseconds(10000));
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.err, "rftp: option -s needs a value\n");
  r = run_command({built("rftp"), "-s", "127.0.0.1;1080", "host"}, milliseconds(10000));
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_NE(r.err.find("socksify: bad SOCKS server list"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace socks4::test
