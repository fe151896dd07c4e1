// A malformed SOCKS_SERVER fails closed: the preload and the library refuse every connection
// but loopback and never look a remote name up locally, after one stderr line saying why.
//
// The refused destination is 0.0.0.0: not loopback to the SOCKS routing, while the kernel
// connects it to this host, so a connection that wrongly goes direct stays on the machine
// (and reaches the test's loopback listener, which is how the test sees it).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/loopback_server.h"
#include "../support/temp_dir.h"
#include "client_plain_path.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

constexpr const char* kProbeScript = R"(
import errno, socket, sys
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(8)
port = server.getsockname()[1]

def attempt(label, family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(address)
        print(label, "connected")
    except OSError as e:
        print(label, errno.errorcode.get(e.errno, e.errno))
    s.close()

attempt("ipv4", socket.AF_INET, ("0.0.0.0", port))
attempt("loopback", socket.AF_INET, ("127.0.0.1", port))
try:
    info = socket.getaddrinfo("leak-check.invalid", port, socket.AF_INET, socket.SOCK_STREAM)
    address = info[0][4]
    print("name", address[0])
    attempt("by-name", socket.AF_INET, address)
except socket.gaierror as e:
    print("name gaierror", e)
six = socket.socket(socket.AF_INET6)
six.bind(("::1", 0))
six.listen(8)
attempt("ipv6", socket.AF_INET6, ("::", six.getsockname()[1]))
)";

TEST(PreloadServerSetting, MalformedSocksServerRefusesAllButLoopbackAndResolvesNothing) {
  std::string library = preload_library();
  ASSERT_TRUE(library.ends_with("libsocksify.so")) << library;
  TempDir dir;
  std::string script = dir.write("probe.py", kProbeScript);
  CommandResult r = run_command({"/usr/bin/python3", script}, milliseconds(30000),
                                {{"LD_PRELOAD", library},
                                 {"SOCKS_SERVER", "127.0.0.1:1080\n"},
                                 {"SOCKS_CONF", ""},
                                 {"SOCKS_RESOLVE", "remote"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ipv4 ECONNREFUSED\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loopback connected\n"), std::string::npos) << r.out;
  // A fake address from 198.18.0.0/15: the name was not looked up on this host.
  EXPECT_NE(r.out.find("name 198.1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("by-name ECONNREFUSED\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ipv6 ECONNREFUSED\n"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines_with(r.err, "SOCKS_SERVER"), 1u) << r.err;
  EXPECT_NE(r.err.find("'127.0.0.1:1080\\x0a'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refusing every connection but loopback"), std::string::npos) << r.err;
}

TEST(ClientLibraryServerSetting, MalformedSocksServerRefusesRconnect) {
  LoopbackServer http(http_handler("hello"));
  CommandResult r =
      run_command({plain_client_binary(), "0.0.0.0", std::to_string(http.port()), "/", "10"},
                  milliseconds(30000), {{"SOCKS_SERVER", "x:y"}, {"SOCKS_CONF", ""}});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("connect: Connection refused"), std::string::npos) << r.err;
  EXPECT_EQ(http.accepted(), 0);
  EXPECT_EQ(count_lines_with(r.err, "SOCKS_SERVER"), 1u) << r.err;
}

}  // namespace
}  // namespace socks4::test
