// Active-FTP-style BIND under socksify: after a CONNECT to an application server, an unmodified
// program's bind/getsockname/listen/accept go through the SOCKS server's BIND. The program
// announces the server's address (as in an FTP PORT command), the application server connects
// there, and accept() returns the relayed stream with the application server as peer.
// Against our sockd and against Dante's danted (SOCKS 4 BIND).
#include <gtest/gtest.h>

#include <sstream>

#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "active_ftp_peer.h"
#include "client_danted.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

TEST_F(PreloadTest, ActiveDataChannelThroughDantedBind) {
  DantedProcess danted;
  ASSERT_TRUE(danted.start()) << danted.error();
  LoopbackServer app(data_channel_server);
  CommandResult r = run_python(kActiveClient, {std::to_string(app.port())}, {},
                               "127.0.0.1:" + std::to_string(danted.port()));
  ASSERT_EQ(r.exit_code, 0) << r.err << "\ndanted log:\n" << danted.log();
  std::istringstream out(r.out);
  std::string announced, ip, data_word, from, port_word, peer_word, peer_port_word;
  int announced_port = 0, data_port = 0, peer_port = 0;
  out >> announced >> ip >> announced_port >> data_word >> from >> port_word >> data_port >>
      peer_word >> port_word >> peer_port;
  EXPECT_EQ(ip, "127.0.0.1") << r.out;
  EXPECT_GT(announced_port, 0) << r.out;
  EXPECT_EQ(peer_port, data_port) << "accept() must name the application server\n" << r.out;
  // danted saw the BIND (and the inbound connection) for this client.
  const std::string log = danted.log();
  EXPECT_NE(log.find("tcp/bind"), std::string::npos) << log;
  EXPECT_NE(log.find("." + std::to_string(announced_port)), std::string::npos) << log;
}

// The same program through our sockd: the announced address is where sockd listens, the
// accepted peer is the application server, and sockd logged both replies.
TEST_F(PreloadTest, ActiveDataChannelThroughSockdBind) {
  LoopbackServer app(data_channel_server);
  CommandResult r = run_python(kActiveClient, {std::to_string(app.port())});
  ASSERT_EQ(r.exit_code, 0) << r.err << "\nsockd log:\n" << sockd().log();
  std::istringstream out(r.out);
  std::string announced, ip, data_word, from, port_word;
  int announced_port = 0, data_port = 0, peer_port = 0;
  out >> announced >> ip >> announced_port >> data_word >> from >> port_word >> data_port >>
      port_word >> port_word >> peer_port;
  EXPECT_EQ(ip, "127.0.0.1") << r.out;
  EXPECT_EQ(peer_port, data_port) << "accept() must name the application server\n" << r.out;
  const std::string listening = "127.0.0.1:" + std::to_string(announced_port);
  EXPECT_FALSE(sockd().log_lines_with({"BIND user=", "granted (listening on " + listening}).empty())
      << sockd().log();
  EXPECT_FALSE(
      sockd()
          .log_lines_with({"BIND inbound from 127.0.0.1:" + std::to_string(data_port), "granted"})
          .empty())
      << sockd().log();
}

// A sockd that refuses the BIND (here by a deny rule): the program's bind() is only recorded
// (a passive FTP client's may be followed by a connect), and its listen() fails instead of
// silently listening locally, where the application server outside could never reach it.
TEST_F(PreloadTest, BindRefusedBySockdFailsTheProgramsBind) {
  SockdOptions options;
  options.hosts = kSockdHosts;
  options.config = "deny bind 0.0.0.0/0\npermit 127.0.0.0 255.0.0.0\n";
  SockdProcess refusing(options);
  ASSERT_TRUE(refusing.start()) << refusing.error();
  LoopbackServer app(data_channel_server);
  CommandResult r = run_python(
      "import errno, socket, sys\n"
      "ctl = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=15)\n"
      "data = socket.socket()\n"
      "try:\n"
      "    data.bind((ctl.getsockname()[0], 0))\n"
      "    data.getsockname()\n"
      "    data.listen(1)\n"
      "    print('bound')\n"
      "except OSError as e:\n"
      "    print(errno.errorcode[e.errno])\n",
      {std::to_string(app.port())}, {}, "127.0.0.1:" + std::to_string(refusing.port()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ECONNREFUSED\n");
  EXPECT_TRUE(refusing.wait_for_log("BIND user=", std::chrono::milliseconds(5000)));
  EXPECT_FALSE(refusing.log_lines_with({"BIND user=", "rejected (denied by rule"}).empty())
      << refusing.log();
}

}  // namespace
}  // namespace socks4::test
