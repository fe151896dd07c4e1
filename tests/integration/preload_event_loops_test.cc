// Non-blocking connects under socksify: whatever the program waits with (select, poll, epoll,
// asyncio), it must not see the socket connected before the SOCKS reply, and must see a
// refusal as a failed connect. A scripted SOCKS server holds the reply back and checks that no
// application byte arrived early.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "../support/loopback_server.h"
#include "../support/socket_io.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

// Reads a SOCKS 4/4a request up to its last NUL.
bool read_request(int fd) {
  std::optional<std::vector<uint8_t>> head = recv_exact(fd, 8);
  if (!head) return false;
  bool is_4a = (*head)[4] == 0 && (*head)[5] == 0 && (*head)[6] == 0 && (*head)[7] != 0;
  for (int strings = is_4a ? 2 : 1; strings > 0;) {
    std::optional<std::vector<uint8_t>> byte = recv_exact(fd, 1);
    if (!byte) return false;
    if ((*byte)[0] == 0) --strings;
  }
  return true;
}

// A SOCKS server that answers `code` after a pause, then echoes. Counts clients that sent
// application data before the reply.
struct SlowSocksServer {
  explicit SlowSocksServer(uint8_t code)
      : server([this, code](int fd) {
          if (!read_request(fd)) return;
          std::this_thread::sleep_for(milliseconds(300));
          char byte;
          if (recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) > 0) ++early;
          const uint8_t reply[8] = {0, code, 0, 0, 0, 0, 0, 0};
          send_all(fd, std::span<const uint8_t>(reply, sizeof reply));
          if (code != 90) return;
          char buf[4096];
          ssize_t n;
          while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
            send_all(fd, std::string_view(buf, static_cast<size_t>(n)));
          }
        }) {}
  std::string address() const { return "127.0.0.1:" + std::to_string(server.port()); }

  std::atomic<int> early{0};
  LoopbackServer server;
};

const char* const kClient = R"(
import asyncio, errno, select, socket, sys
mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

async def one():
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    except ConnectionRefusedError:
        return 'refused'
    w.write(b'ping\n')
    line = await asyncio.wait_for(r.readline(), 10)
    w.close()
    return line.decode().strip()

async def several(n):
    return ' '.join(await asyncio.gather(*[one() for _ in range(n)]))

if mode == 'asyncio':
    print(asyncio.run(one()))
elif mode == 'asyncio3':
    print(asyncio.run(several(3)))
else:
    s = socket.socket()
    s.setblocking(False)
    rc = s.connect_ex((host, port))
    if rc != errno.EINPROGRESS:
        print('connect_ex', rc); sys.exit(1)
    if mode == 'select':
        select.select([], [s], [], 10)
    elif mode == 'poll':
        p = select.poll(); p.register(s, select.POLLOUT); p.poll(10000)
    elif mode == 'epoll':
        e = select.epoll(); e.register(s.fileno(), select.EPOLLOUT); e.poll(10)
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        print('refused' if err == errno.ECONNREFUSED else 'error %d' % err); sys.exit(0)
    s.setblocking(True); s.settimeout(10)
    s.sendall(b'ping\n')
    print(s.makefile().readline().strip())
)";

class PreloadEventLoopTest : public PreloadTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(PreloadEventLoopTest, ConnectedOnlyAfterTheReply) {
  SlowSocksServer socks(90);
  CommandResult r = run_python(kClient, {GetParam(), "127.0.0.1", "9"}, {}, socks.address());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ping\n");
  EXPECT_EQ(socks.early.load(), 0) << "the program wrote before the SOCKS reply";
}

TEST_P(PreloadEventLoopTest, RefusalIsAFailedConnect) {
  SlowSocksServer socks(91);
  CommandResult r = run_python(kClient, {GetParam(), "127.0.0.1", "9"}, {}, socks.address());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "refused\n");
}

INSTANTIATE_TEST_SUITE_P(Loops, PreloadEventLoopTest,
                         ::testing::Values("select", "poll", "epoll", "asyncio"));

TEST_F(PreloadTest, AsyncioSeveralPendingConnectsAtOnce) {
  SlowSocksServer socks(90);
  CommandResult r = run_python(kClient, {"asyncio3", "127.0.0.1", "9"}, {}, socks.address());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ping ping ping\n");
  EXPECT_EQ(socks.early.load(), 0);
  EXPECT_EQ(socks.server.accepted(), 3);
}

}  // namespace
}  // namespace socks4::test
