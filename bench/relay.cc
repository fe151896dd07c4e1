// The protocol-only SOCKS4 relay: `make bench`'s "floor" column, the ceiling for a SOCKS server.
// HAProxy's fixed backend spares its clients the SOCKS request and reply, a round trip per
// connection that no SOCKS server can skip. This relay does the protocol and nothing else:
// accept, read one CONNECT request, connect, grant, copy bytes both ways, pass each EOF on,
// close. No rules, logging, timers or name lookups, so its connection rate is about the most a
// SOCKS server reaches on this machine, and sockd's can be read against it (docs/BENCHMARKS.md,
// "The ceiling for a SOCKS server").
//
// Like sockd: one thread per core, each with its own SO_REUSEPORT listener and epoll set.
// Every socket is registered once, edge-triggered, for reading and writing, and remembers what
// epoll reported until a call finds otherwise: no epoll_ctl but one ADD per socket.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "epoll.h"
#include "modes.h"
#include "net.h"
#include "socks4/proto.h"

namespace socksbench {
namespace {

// Per direction. Two of them keep a connection below malloc's mmap threshold (128 KiB), so
// setting one up costs no mmap/munmap.
constexpr size_t kBufferSize = 16 * 1024;
constexpr uint32_t kSocketEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr uint64_t kListenerTag = ~uint64_t{0};

// A socket and what epoll last said about it. Edge-triggered epoll reports a change once, so
// the flags keep it until a read or send finds the socket empty or full.
struct Socket {
  UniqueFd fd;
  bool can_read = false;
  bool can_write = false;
  bool peer_closed = false;  // EPOLLRDHUP: an EOF is queued, and brings no further edge

  void note(uint32_t events) {
    // An error or hangup: let the next read or send run into it.
    if (events & (EPOLLERR | EPOLLHUP)) events |= EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    can_read |= (events & EPOLLIN) != 0;
    can_write |= (events & EPOLLOUT) != 0;
    peer_closed |= (events & EPOLLRDHUP) != 0;
  }

  // Reads up to `room` bytes: the count, 0 at EOF, -1 on an error or, with !can_read, when
  // there was nothing to read.
  ssize_t receive(uint8_t* data, size_t room) {
    ssize_t n = read(fd.get(), data, room);
    if (n < 0 && errno == EAGAIN) can_read = false;
    // A short read emptied the socket: new bytes bring a new edge. An EOF already reported
    // does not, so read on until it shows.
    if (n > 0 && static_cast<size_t>(n) < room) can_read = peer_closed;
    return n;
  }

  // Sends what it can: the count, or -1 on an error or, with !can_write, when the socket is full.
  ssize_t transmit(const uint8_t* data, size_t size) {
    ssize_t n = send(fd.get(), data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) can_write = false;
    return n;
  }
};

// Bytes read from one socket and not yet sent to the other. The source is read only when the
// buffer is empty, so a destination that cannot keep up stops it: nothing is lost or queued.
struct Direction {
  std::array<uint8_t, kBufferSize> bytes;  // left unzeroed: a held connection costs only
                                           // the pages its bytes touch
  size_t begin = 0, end = 0;
  bool eof = false;
  bool shut = false;  // the EOF was passed on (shutdown SHUT_WR)

  bool finished() const { return eof && begin == end; }

  // Moves bytes from `from` to `to` as far as both allow; false on an error.
  bool pump(Socket& from, Socket& to) {
    for (;;) {
      if (begin < end) {
        if (!to.can_write) return true;  // resumed by its next writable edge
        ssize_t n = to.transmit(bytes.data() + begin, end - begin);
        if (n < 0) return !to.can_write;
        begin += static_cast<size_t>(n);
      } else {
        if (eof || !from.can_read) return true;
        ssize_t n = from.receive(bytes.data(), bytes.size());
        if (n < 0) return !from.can_read;
        begin = 0, end = static_cast<size_t>(n), eof = n == 0;
      }
    }
  }
};

enum class Stage : uint8_t { kRequest, kConnecting, kRelaying, kClosed };

struct Connection {
  Stage stage = Stage::kRequest;
  Socket client, server;
  Direction up, down;  // client to server, server to client
  socks4::RequestParser parser;
};

class Worker {
 public:
  explicit Worker(UniqueFd listener) : listener_(std::move(listener)) {}
  bool start() { return epoll_.ok() && epoll_.add(listener_.get(), EPOLLIN, kListenerTag); }

  [[noreturn]] void run() {
    epoll_event events[256];
    for (;;) {
      int n = epoll_.wait(events, 256, -1);
      for (int i = 0; i < n; ++i) {
        uint64_t tag = events[i].data.u64;
        if (tag == kListenerTag) {
          accept_one();
        } else {
          dispatch(tag, events[i].events);
        }
      }
      // Freed (and their sockets closed) only now: until the batch is done a closed
      // connection's descriptor numbers stay taken, so no stale event of this batch can reach
      // a connection accepted meanwhile.
      for (int fd : closed_) connections_[fd].reset();
      closed_.clear();
    }
  }

 private:
  // A connection is found by its client socket's number; bit 0 tells which socket is ready.
  static uint64_t tag(const Connection& c, bool server) {
    return static_cast<uint64_t>(c.client.fd.get()) << 1 | server;
  }

  // One per wakeup: the listener is level-triggered, so the next wait reports any other.
  void accept_one() {
    int fd = accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) usleep(10000);  // still readable: back off
      return;
    }
    if (static_cast<size_t>(fd) >= connections_.size()) connections_.resize(fd + 1024);
    auto& c = connections_[fd] = std::make_unique_for_overwrite<Connection>();
    c->client.fd.reset(fd);
    c->client.can_read = true;  // the request often comes with the connection: look at once
    read_request(*c);
    if (c->stage != Stage::kClosed && !epoll_.add(fd, kSocketEvents, tag(*c, false))) close(*c);
  }

  void dispatch(uint64_t tag, uint32_t events) {
    Connection* c = connections_[tag >> 1].get();
    bool from_server = tag & 1;
    (from_server ? c->server : c->client).note(events);
    switch (c->stage) {
      case Stage::kRequest:
        return read_request(*c);
      case Stage::kConnecting:  // what the client does meanwhile waits in its flags
        if (from_server) finish_connect(*c, events);
        return;
      case Stage::kRelaying:
        return relay(*c);
      case Stage::kClosed:
        return;
    }
  }

  // The request is read into the client-to-server buffer, so what follows it there is the
  // client's first data, sent on once connected. The parser refuses anything longer than
  // kMaxRequestSize, far less than the buffer, so the buffer never fills before it decides.
  void read_request(Connection& c) {
    Direction& up = c.up;
    while (c.client.can_read && c.parser.status() == socks4::ParseStatus::kNeedMore) {
      uint8_t* at = up.bytes.data() + up.end;
      ssize_t n = c.client.receive(at, up.bytes.size() - up.end);
      if (n == 0 || (n < 0 && c.client.can_read)) return close(c);  // gone, or an error
      if (n < 0) return;                                            // the rest later
      up.end += static_cast<size_t>(n);
      c.parser.feed({at, static_cast<size_t>(n)});
    }
    if (c.parser.status() == socks4::ParseStatus::kInvalid) return close(c);  // not SOCKS4
    if (c.parser.status() == socks4::ParseStatus::kComplete) {
      up.begin = c.parser.bytes_consumed();
      connect_to(c, c.parser.request());
    }
  }

  void connect_to(Connection& c, const socks4::Request& request) {
    // CONNECT to an address only: a 4a name would need DNS. And to loopback only: this is a
    // yardstick, not a proxy for anything else on the machine to use.
    if (request.command != socks4::Command::kConnect || request.is_4a() ||
        request.ip >> 24 != 127) {
      return refuse(c);
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(request.port);
    to.sin_addr.s_addr = htonl(request.ip);
    c.server.fd = start_connect(to);  // non-blocking, TCP_NODELAY
    // Its first writable edge ends the connect.
    if (!c.server.fd || !epoll_.add(c.server.fd.get(), kSocketEvents, tag(c, true))) {
      return refuse(c);
    }
    c.stage = Stage::kConnecting;
  }

  void finish_connect(Connection& c, uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) return refuse(c);  // refused or unreachable
    if (!(events & EPOLLOUT)) return;
    auto grant = socks4::encode_reply({.code = socks4::ReplyCode::kGranted});
    // 8 bytes into an empty send buffer: a short send means the client is gone.
    if (c.client.transmit(grant.data(), grant.size()) != static_cast<ssize_t>(grant.size())) {
      return close(c);
    }
    c.stage = Stage::kRelaying;
    relay(c);  // the client's first data may be here already
  }

  void refuse(Connection& c) {
    auto reply = socks4::encode_reply({.code = socks4::ReplyCode::kRejected});
    c.client.transmit(reply.data(), reply.size());  // best effort: it closes either way
    close(c);
  }

  void relay(Connection& c) {
    if (!c.up.pump(c.client, c.server) || !c.down.pump(c.server, c.client)) return close(c);
    if (c.up.finished() && c.down.finished()) return close(c);
    // One way has ended: pass its EOF on, keep relaying the other.
    if (!half_close(c.up, c.server) || !half_close(c.down, c.client)) close(c);
  }

  static bool half_close(Direction& direction, Socket& to) {
    if (!direction.finished() || direction.shut) return true;
    direction.shut = true;
    return shutdown(to.fd.get(), SHUT_WR) == 0;
  }

  void close(Connection& c) {
    c.stage = Stage::kClosed;
    closed_.push_back(c.client.fd.get());
  }

  Epoll epoll_;
  UniqueFd listener_;
  std::vector<std::unique_ptr<Connection>> connections_;  // by client descriptor
  std::vector<int> closed_;                               // to free after this batch
};

}  // namespace

int run_relay(const Options& options) {
  int threads = options.threads;
  if (threads == 0)
    threads = std::max(1, static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)));  // as sockd
  std::vector<std::unique_ptr<Worker>> workers;
  uint16_t port = 0;  // the first listener's ephemeral port, shared by the others
  for (int i = 0; i < threads; ++i) {
    auto listener = listen_loopback(port, 4096, true);
    if (!listener) {
      std::perror("socksbench relay: listen");
      return 1;
    }
    set_nodelay(listener.get());  // accepted sockets inherit it
    port = local_port(listener.get());
    workers.push_back(std::make_unique<Worker>(std::move(listener)));
    if (!workers.back()->start()) {
      std::perror("socksbench relay: epoll");
      return 1;
    }
  }
  std::printf("relay 127.0.0.1:%u\n", port);
  std::fflush(stdout);
  std::vector<std::thread> running;
  for (auto& worker : workers) running.emplace_back([&worker] { worker->run(); });
  for (auto& thread : running) thread.join();
  return 0;
}

}  // namespace socksbench
