// socksify refuses a malformed SOCKS server list (-s, or SOCKS_SERVER from the environment)
// before running anything: exit status 125 and a message with the value made printable.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/child_process.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kMalformed = {
    "127.0.0.1;1080", "127.0.0.1:99999", "127.0.0.1:1080,", "x:y", "[::1]:1080", "127.0.0.1:1080\n",
};

std::string many_servers() {
  std::string out = "127.0.0.1:1";
  for (int i = 0; i < 64; ++i) out += ",127.0.0.1:1";
  return out;
}

TEST(SocksifyServerOption, MalformedServerIsRefusedBeforeRunningAnything) {
  std::vector<std::string> values = kMalformed;
  values.push_back(many_servers());
  for (const std::string& value : values) {
    CommandResult r = run_command({socksify_path(), "-s", value, "sh", "-c", "echo ran"},
                                  milliseconds(15000), {{"SOCKS_CONF", ""}});
    EXPECT_EQ(r.exit_code, 125) << value;
    EXPECT_EQ(r.out, "") << value;
    EXPECT_NE(r.err.find("socksify: bad SOCKS server list '"), std::string::npos) << r.err;
  }
  CommandResult newline =
      run_command({socksify_path(), "-s", "127.0.0.1:1080\n", "true"}, milliseconds(15000));
  EXPECT_NE(newline.err.find("'127.0.0.1:1080\\x0a'"), std::string::npos) << newline.err;
}

TEST(SocksifyServerOption, MalformedSocksServerInTheEnvironmentIsRefusedToo) {
  CommandResult r = run_command({socksify_path(), "sh", "-c", "echo ran"}, milliseconds(15000),
                                {{"SOCKS_SERVER", "127.0.0.1:99999"}, {"SOCKS_CONF", ""}});
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("SOCKS_SERVER"), std::string::npos) << r.err;
}

TEST(SocksifyServerOption, WellFormedListsStillRun) {
  CommandResult r =
      run_command({socksify_path(), "-s", "127.0.0.1:1, fw.example.test:65535,10.0.0.1", "true"},
                  milliseconds(15000));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace socks4::test
