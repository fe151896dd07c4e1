// What the preload does with addresses: v4-mapped destinations of AF_INET6 sockets go through
// sockd, pure IPv6 and UDP are refused when configured (with the reason under SOCKS_DEBUG),
// remote names map back through getnameinfo/gethostbyaddr, and the name table is shared by a
// process and its children.
#include <gtest/gtest.h>

#include "../support/loopback_server.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

class PreloadAddressesTest : public PreloadTest {};

// Python lines that send an HTTP/1.0 GET on the connected socket `s` and print the body.
constexpr const char* kPrintHttpBody =
    "s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n"
    "data = b''\n"
    "while True:\n"
    "    b = s.recv(65536)\n"
    "    if not b: break\n"
    "    data += b\n"
    "print(data.split(b'\\r\\n\\r\\n', 1)[1].decode(), end='')\n";

TEST_F(PreloadAddressesTest, Ipv6SocketToV4MappedAddressGoesThroughSockd) {
  LoopbackServer web(http_handler("mapped\n"));
  CommandResult r = run_python(
      "import socket, sys\n"
      "s = socket.socket(socket.AF_INET6)\n"
      "s.settimeout(15)\n"
      "s.connect(('::ffff:127.0.0.1', int(sys.argv[1])))\n"
      "print(s.getpeername()[:2])\n" +
          std::string(kPrintHttpBody),
      {std::to_string(web.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The program sees the peer it asked for, not sockd.
  EXPECT_EQ(r.out, "('::ffff:127.0.0.1', " + std::to_string(web.port()) + ")\nmapped\n");
  EXPECT_TRUE(sockd_granted("127.0.0.1:" + std::to_string(web.port()))) << sockd().log();
}

// A destination SOCKS 4 cannot carry, refused when its setting says so (nothing is sent
// anywhere), while a loopback destination of the same kind stays direct.
struct Refusal {
  const char* name;
  const char* setting;  // SOCKS_IPV6 or SOCKS_UDP, set to "refuse"
  const char* socket;   // Python socket.socket() arguments
  const char* refused;  // the destination, as a Python address tuple
  const char* direct;   // Python lines printing connect_ex() to loopback from socket `c`
  const char* reason;   // the SOCKS_DEBUG line
};

class PreloadRefusal : public PreloadTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(PreloadRefusal, WhenConfiguredLoopbackStillDirect) {
  const Refusal& p = GetParam();
  CommandResult r = run_python(std::string("import errno, socket\n") + "s = socket.socket(" +
                                   p.socket + ")\nprint(errno.errorcode[s.connect_ex(" + p.refused +
                                   ")])\nc = socket.socket(" + p.socket + ")\n" + p.direct,
                               {}, {{p.setting, "refuse"}, {"SOCKS_DEBUG", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ENETUNREACH\n0\n");
  EXPECT_NE(r.err.find(p.reason), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Destinations, PreloadRefusal,
    ::testing::Values(
        // 2001:db8::/32 is documentation space.
        Refusal{"PureIpv6", "SOCKS_IPV6", "socket.AF_INET6", "('2001:db8::1', 80)",
                "l = socket.socket(socket.AF_INET6)\n"
                "l.bind(('::1', 0)); l.listen()\n"
                "print(c.connect_ex(('::1', l.getsockname()[1])))\n",
                "IPv6 destination: SOCKS 4 cannot carry it; refused (SOCKS_IPV6=refuse)"},
        Refusal{"Udp", "SOCKS_UDP", "socket.AF_INET, socket.SOCK_DGRAM", "('192.0.2.1', 53)",
                "print(c.connect_ex(('127.0.0.1', 9)))\n",
                "UDP destination: SOCKS 4 cannot carry it; refused (SOCKS_UDP=refuse)"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

TEST_F(PreloadAddressesTest, RemoteNamesMapBackThroughTheReverseCalls) {
  CommandResult r = run_python(
      "import socket\n"
      "ip = socket.gethostbyname('Only-Sockd.Test')\n"
      "print(ip.startswith('198.18.') or ip.startswith('198.19.'))\n"
      "print(socket.getaddrinfo('only-sockd.test', 80, socket.AF_INET)[0][4][0] == ip)\n"
      "print(socket.gethostbyname_ex('only-sockd.test')[2] == [ip])\n"
      "print(socket.getnameinfo((ip, 80), 0))\n"
      "print(socket.gethostbyaddr(ip)[0])\n"
      "six = socket.getaddrinfo('only-sockd.test', 80, socket.AF_INET6)[0][4][0]\n"
      "print(six == '::ffff:' + ip)\n"
      "print(socket.getnameinfo(('127.0.0.1', 80), socket.NI_NUMERICHOST))\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "True\nTrue\nTrue\n('only-sockd.test', 'http')\nonly-sockd.test\nTrue\n"
            "('127.0.0.1', 'http')\n");
}

// A child resolves a name; after it has exited, the parent connects to the child's address.
TEST_F(PreloadAddressesTest, NameTableIsSharedWithChildren) {
  LoopbackServer web(http_handler("from the child's name\n"));
  CommandResult r = run_python(
      "import os, socket, sys\n"
      "r, w = os.pipe()\n"
      "pid = os.fork()\n"
      "if pid == 0:\n"
      "    os.write(w, socket.gethostbyname('second.test').encode()); os._exit(0)\n"
      "os.waitpid(pid, 0)\n"
      "ip = os.read(r, 64).decode()\n"
      "s = socket.create_connection((ip, int(sys.argv[1])), timeout=15)\n" +
          std::string(kPrintHttpBody),
      {std::to_string(web.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from the child's name\n");
  EXPECT_TRUE(sockd_granted("second.test:" + std::to_string(web.port()))) << sockd().log();
}

TEST_F(PreloadAddressesTest, UnknownFakeAddressIsUnreachable) {
  CommandResult r = run_python(
      "import errno, socket\n"
      "s = socket.socket()\n"
      "print(errno.errorcode[s.connect_ex(('198.18.200.1', 80))])\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "EHOSTUNREACH\n");
}

}  // namespace
}  // namespace socks4::test
