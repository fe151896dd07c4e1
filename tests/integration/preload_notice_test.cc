// Telling users why: a refused connection gives exactly one stderr line naming the server (or the
// socks.conf line), the destination and the reason, however often the program retries; -q and
// SOCKS_QUIET=1 silence it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/child_process.h"
#include "client_plain_path.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

// Port 9 (discard): sockd.conf or socks.conf refuses it below; nothing needs to listen there.
constexpr const char* kTwiceScript = R"(
import errno, socket
for attempt in range(2):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", 9))
        print("connected")
    except OSError as e:
        print(errno.errorcode.get(e.errno, e.errno))
    s.close()
)";

class PreloadNoticeTest : public PreloadTest {
 protected:
  void SetUp() override {
    SockdOptions options;
    options.hosts = kSockdHosts;
    options.config =
        "deny 127.0.0.0 255.0.0.0 127.0.0.1 255.255.255.255 eq 9\npermit 127.0.0.0 255.0.0.0\n";
    ASSERT_NO_FATAL_FAILURE(start_sockd(options));
    conf_ = files_.write("socks.conf", "sockd 127.0.0.0 255.0.0.0\n");
    script_ = files_.write("twice.py", kTwiceScript);
  }

  std::string server() const { return "127.0.0.1:" + std::to_string(port()); }
  std::string script_;
};

TEST_F(PreloadNoticeTest, ServerRefusalIsSaidOnceNamingServerDestinationAndReason) {
  CommandResult r = run_socksified({"/usr/bin/python3", script_});
  EXPECT_EQ(r.out, "ECONNREFUSED\nECONNREFUSED\n");
  const std::string line =
      "socksify: sockd " + server() + " refused CONNECT to 127.0.0.1:9 (request rejected)";
  EXPECT_EQ(count_lines_with(r.err, line), 1u) << r.err;
  EXPECT_EQ(count_lines_with(r.err, "socksify:"), 1u) << r.err;
}

TEST_F(PreloadNoticeTest, DashQSilencesIt) {
  CommandResult r = run_socksified({"-q", "/usr/bin/python3", script_});
  EXPECT_EQ(r.out, "ECONNREFUSED\nECONNREFUSED\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(PreloadNoticeTest, SocksQuietSilencesIt) {
  CommandResult r = run_socksified({"/usr/bin/python3", script_}, {{"SOCKS_QUIET", "1"}});
  EXPECT_EQ(r.out, "ECONNREFUSED\nECONNREFUSED\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(PreloadNoticeTest, SocksConfDenialNamesTheLine) {
  conf_ = files_.write("socks.conf",
                       "sockd 127.0.0.1 255.255.255.255 eq 80\n"
                       "deny 127.0.0.1 255.255.255.255 eq 9\n");
  CommandResult r = run_socksified({"/usr/bin/python3", script_});
  EXPECT_EQ(r.out, "ECONNREFUSED\nECONNREFUSED\n");
  EXPECT_EQ(count_lines_with(
                r.err, "socksify: " + conf_ + " line 2 denied CONNECT to 127.0.0.1:9 (deny line)"),
            1u)
      << r.err;
  EXPECT_EQ(count_lines_with(r.err, "socksify:"), 1u) << r.err;
}

TEST_F(PreloadNoticeTest, UnreachableServerIsNamed) {
  // Port 1 of loopback: nothing listens there.
  CommandResult r = run_socksified({"/usr/bin/python3", script_}, {}, "127.0.0.1:1");
  EXPECT_EQ(count_lines_with(r.err,
                             "socksify: cannot reach SOCKS server 127.0.0.1:1 for CONNECT "
                             "to 127.0.0.1:9 (Connection refused)"),
            1u)
      << r.err;
  EXPECT_EQ(count_lines_with(r.err, "socksify:"), 1u) << r.err;
}

TEST_F(PreloadNoticeTest, UnresolvableServerIsNamed) {
  // A 70-byte label is no DNS name: the resolver fails here, without asking any server.
  const std::string server = std::string(70, 'a') + ".invalid:1080";
  CommandResult r = run_socksified({"/usr/bin/python3", script_}, {}, server);
  EXPECT_EQ(r.out, "EHOSTUNREACH\nEHOSTUNREACH\n");
  EXPECT_EQ(count_lines_with(r.err, "socksify: cannot reach SOCKS server " + server +
                                        " for CONNECT to 127.0.0.1:9 (its name does not resolve)"),
            1u)
      << r.err;
  EXPECT_EQ(count_lines_with(r.err, "socksify:"), 1u) << r.err;
}

TEST_F(PreloadNoticeTest, TheLibrarySaysItToo) {
  CommandResult r =
      run_command({plain_client_binary(), "127.0.0.1", "9", "/", "10"}, milliseconds(30000),
                  {{"SOCKS_SERVER", server()}, {"SOCKS_CONF", conf_}});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines_with(r.err, "libsocks: sockd " + server() +
                                        " refused CONNECT to 127.0.0.1:9 (request rejected)"),
            1u)
      << r.err;
}

}  // namespace
}  // namespace socks4::test
