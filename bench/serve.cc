// The loopback destination for every measurement, run as its own process so the generator and
// the server each get their own descriptor limit (the hold test needs ~9,000 on each side).
//   echo:    sends back what it reads (held connections); a 'q' byte makes it close instead,
//            so held connections are torn down server side first (see ping).
//   ping:    sends back the first bytes it reads, then closes (connection rate). The server
//            closing first keeps TIME_WAIT off the proxy's outgoing ports: a proxy that
//            bind()s its outgoing socket (Dante does) cannot reuse those, and would run out.
//   discard: drops everything (spliced through a pipe into /dev/null, never copied); at EOF
//            replies with the byte count (8 bytes, big endian) and closes, so the sender
//            learns when and how much actually arrived.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "epoll.h"
#include "modes.h"
#include "net.h"

namespace socksbench {
namespace {

constexpr size_t kReadSize = 1 << 20;  // per splice; also the pipe's capacity

enum class Kind : uint8_t { kNone, kEcho, kPing, kDiscard };

struct Connection {
  UniqueFd fd;
  Kind kind = Kind::kNone;
  uint64_t received = 0;
};

class Server {
 public:
  bool start() {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    pipe_read_.reset(pipe_fds[0]);
    pipe_write_.reset(pipe_fds[1]);
    fcntl(pipe_write_.get(), F_SETPIPE_SZ, static_cast<int>(kReadSize));
    null_.reset(open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!null_) return false;
    echo_ = listen_loopback(0, 4096);
    ping_ = listen_loopback(0, 4096);
    discard_ = listen_loopback(0, 4096);
    if (!epoll_.ok() || !echo_ || !ping_ || !discard_) return false;
    epoll_.add(echo_.get(), EPOLLIN, echo_.get());
    epoll_.add(ping_.get(), EPOLLIN, ping_.get());
    epoll_.add(discard_.get(), EPOLLIN, discard_.get());
    std::printf("echo 127.0.0.1:%u\nping 127.0.0.1:%u\ndiscard 127.0.0.1:%u\n",
                local_port(echo_.get()), local_port(ping_.get()), local_port(discard_.get()));
    std::fflush(stdout);
    return true;
  }

  void run() {
    epoll_event events[256];
    for (;;) {
      int n = epoll_.wait(events, 256, -1);
      for (int i = 0; i < n; ++i) {
        int fd = static_cast<int>(events[i].data.u64);
        if (fd == echo_.get()) {
          accept_all(fd, Kind::kEcho);
        } else if (fd == ping_.get()) {
          accept_all(fd, Kind::kPing);
        } else if (fd == discard_.get()) {
          accept_all(fd, Kind::kDiscard);
        } else if (connections_[fd].kind != Kind::kDiscard) {
          echo(fd, connections_[fd].kind == Kind::kPing);
        } else {
          discard(fd);
        }
      }
    }
  }

 private:
  void accept_all(int listener, Kind kind) {
    for (;;) {
      int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          std::perror("socksbench serve: accept");
          usleep(10000);  // level-triggered: back off instead of spinning
        }
        return;
      }
      if (static_cast<size_t>(fd) >= connections_.size()) connections_.resize(fd + 1024);
      connections_[fd] = Connection{UniqueFd(fd), kind, 0};
      epoll_.add(fd, EPOLLIN, fd);
    }
  }

  void echo(int fd, bool then_close) {
    ssize_t n = read(fd, buffer_.data(), buffer_.size());
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0 && buffer_[n - 1] == 'q') return close_connection(fd);
    // The echo clients send a byte at a time, so a short write means a misbehaving peer.
    if (n <= 0 || write(fd, buffer_.data(), n) != n || then_close) close_connection(fd);
  }

  void discard(int fd) {
    auto& connection = connections_[fd];
    for (;;) {
      ssize_t n = splice(fd, nullptr, pipe_write_.get(), nullptr, kReadSize, SPLICE_F_NONBLOCK);
      if (n > 0) {
        connection.received += static_cast<uint64_t>(n);
        drain_pipe(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      if (n == 0) {
        uint8_t count[8];
        for (int i = 0; i < 8; ++i)
          count[i] = static_cast<uint8_t>(connection.received >> (56 - 8 * i));
        (void)!write(fd, count, sizeof count);
      }
      close_connection(fd);
      return;
    }
  }

  void drain_pipe(ssize_t bytes) {
    while (bytes > 0) {
      ssize_t n = splice(pipe_read_.get(), nullptr, null_.get(), nullptr, bytes, 0);
      if (n <= 0) return;
      bytes -= n;
    }
  }

  // Closing also takes the descriptor out of the epoll set.
  void close_connection(int fd) { connections_[fd] = Connection{}; }

  Epoll epoll_;
  UniqueFd echo_;
  UniqueFd ping_;
  UniqueFd discard_;
  UniqueFd pipe_read_, pipe_write_, null_;
  std::vector<Connection> connections_ = std::vector<Connection>(1024);
  std::vector<uint8_t> buffer_ = std::vector<uint8_t>(65536);  // echo only
};

}  // namespace

int run_serve(const Options&) {
  Server server;
  if (!server.start()) {
    std::perror("socksbench serve: listen");
    return 1;
  }
  server.run();
  return 0;
}

}  // namespace socksbench
