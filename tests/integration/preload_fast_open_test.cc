// TCP Fast Open under socksify: sendto/sendmsg with MSG_FASTOPEN on an unconnected socket
// connects as part of the send, so the preload must route it as connect() is routed (through
// sockd, or refused by socks.conf), never let it connect directly. TCP_FASTOPEN_CONNECT +
// connect() goes through the preload's connect already. Python's socket calls are libc's
// sendto/sendmsg, the calls a C program makes.
#include <gtest/gtest.h>

#include <string>

#include "../support/loopback_server.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

// argv: mode (sendto, sendmsg, sendto-nonblocking, fastopen-connect), port. Prints the echo,
// or the errno name of the failure.
constexpr const char* kFastOpenScript = R"(
import errno, select, socket, sys
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()  # blocking: a Python timeout would make it non-blocking underneath
try:
    if mode == "sendto":
        s.sendto(b"fast open data\n", socket.MSG_FASTOPEN, ("127.0.0.1", port))
    elif mode == "sendmsg":
        s.sendmsg([b"fast open ", b"data\n"], [], socket.MSG_FASTOPEN, ("127.0.0.1", port))
    elif mode == "sendto-nonblocking":
        s.setblocking(False)
        try:
            s.sendto(b"lost", socket.MSG_FASTOPEN, ("127.0.0.1", port))
            print("sent without connecting")
        except BlockingIOError as e:
            print(errno.errorcode[e.errno])
        select.select([], [s], [], 10)
        print("SO_ERROR", s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
        s.setblocking(True)
        s.sendall(b"fast open data\n")
    elif mode == "fastopen-connect":
        s.setsockopt(socket.IPPROTO_TCP, 30, 1)  # TCP_FASTOPEN_CONNECT
        s.connect(("127.0.0.1", port))
        s.sendall(b"fast open data\n")
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    print(got.decode(), end="")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
)";

class PreloadFastOpenTest : public PreloadTest {
 protected:
  CommandResult fast_open(const std::string& mode, uint16_t destination) {
    return run_python(kFastOpenScript, {mode, std::to_string(destination)});
  }
};

TEST_F(PreloadFastOpenTest, SendtoFastOpenGoesThroughSockd) {
  LoopbackServer echo(echo_handler);
  CommandResult r = fast_open("sendto", echo.port());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "fast open data\n") << r.err;
  EXPECT_TRUE(sockd_granted("127.0.0.1:" + std::to_string(echo.port()))) << sockd().log();
}

TEST_F(PreloadFastOpenTest, SendmsgFastOpenGoesThroughSockd) {
  LoopbackServer echo(echo_handler);
  CommandResult r = fast_open("sendmsg", echo.port());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "fast open data\n") << r.err;
  EXPECT_TRUE(sockd_granted("127.0.0.1:" + std::to_string(echo.port()))) << sockd().log();
}

// A non-blocking socket: EINPROGRESS as from connect(), then the connection completes through
// sockd and carries the data sent after it.
TEST_F(PreloadFastOpenTest, NonBlockingSendtoIsInProgressThenThroughSockd) {
  LoopbackServer echo(echo_handler);
  CommandResult r = fast_open("sendto-nonblocking", echo.port());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "EINPROGRESS\nSO_ERROR 0\nfast open data\n") << r.err;
  EXPECT_TRUE(sockd_granted("127.0.0.1:" + std::to_string(echo.port()))) << sockd().log();
}

TEST_F(PreloadFastOpenTest, FastOpenConnectOptionGoesThroughSockd) {
  LoopbackServer echo(echo_handler);
  CommandResult r = fast_open("fastopen-connect", echo.port());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "fast open data\n") << r.err;
  EXPECT_TRUE(sockd_granted("127.0.0.1:" + std::to_string(echo.port()))) << sockd().log();
}

class PreloadFastOpenDeniedTest : public PreloadFastOpenTest {
 protected:
  void SetUp() override {
    PreloadFastOpenTest::SetUp();
    if (HasFatalFailure()) return;
    conf_ =
        files_.write("socks.conf", "deny 127.0.0.1 255.255.255.255 eq " +
                                       std::to_string(echo_.port()) + "\nsockd 0.0.0.0 0.0.0.0\n");
  }
  LoopbackServer echo_{echo_handler};
};

TEST_F(PreloadFastOpenDeniedTest, SendtoFastOpenIsRefusedAsConnectIs) {
  CommandResult r = fast_open("sendto", echo_.port());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ECONNREFUSED\n") << r.err;
  EXPECT_NE(r.err.find("line 1 denied CONNECT to 127.0.0.1:" + std::to_string(echo_.port()) +
                       " (deny line)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(echo_.accepted(), 0);
}

TEST_F(PreloadFastOpenDeniedTest, SendmsgFastOpenIsRefusedAsConnectIs) {
  CommandResult r = fast_open("sendmsg", echo_.port());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ECONNREFUSED\n") << r.err;
  EXPECT_EQ(echo_.accepted(), 0);
}

}  // namespace
}  // namespace socks4::test
