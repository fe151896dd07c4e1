// Relay throughput: N streams, each sending 1 MiB at a time into the discard server for a fixed
// time, then half-closing. The discard server answers each EOF with the bytes it received, so
// the figure is bytes delivered / (start .. last count received): in-flight data is counted
// only once it has crossed the proxy. One thread drives every stream (epoll); the receiving
// side is the serve process. Both ends avoid copying (sendfile from a memfd here, splice to
// /dev/null there) so that on a 2-core box the proxy, not the generator, gets the CPU.
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

#include "epoll.h"
#include "modes.h"
#include "net.h"
#include "proc_stats.h"

namespace socksbench {
namespace {

constexpr size_t kChunk = 1 << 20;

struct Stream {
  UniqueFd fd;
  uint64_t sent = 0;
  uint8_t count[8] = {};
  size_t count_bytes = 0;
  bool done = false;
  bool failed = false;
};

UniqueFd open_stream(const Options& options) {
  auto fd = connect_blocking(options.proxy ? *options.proxy : *options.target);
  if (fd && options.proxy && !socks_handshake_blocking(fd.get(), *options.target)) fd.reset();
  if (fd) set_nonblocking(fd.get());
  return fd;
}

// A 1 MiB file in memory whose pages sendfile() hands to the socket by reference.
UniqueFd make_chunk_file() {
  UniqueFd fd(memfd_create("socksbench-chunk", MFD_CLOEXEC));
  std::vector<uint8_t> bytes(kChunk, 0x5a);
  if (fd && write(fd.get(), bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    fd.reset();
  }
  return fd;
}

// Sends until the socket is full or the deadline passes.
void fill(Stream& stream, int chunk_fd, double deadline) {
  while (now_seconds() < deadline) {
    off_t offset = 0;
    ssize_t n = sendfile(stream.fd.get(), chunk_fd, &offset, kChunk);
    if (n > 0) {
      stream.sent += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    stream.failed = true;
    return;
  }
}

// Reads the discard server's 8-byte count; marks the stream done at EOF.
void read_count(Stream& stream) {
  ssize_t n = read(stream.fd.get(), stream.count + stream.count_bytes, 8 - stream.count_bytes);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) stream.count_bytes += static_cast<size_t>(n);
  if (n <= 0 || stream.count_bytes == 8) stream.done = true;
}

uint64_t received_of(const Stream& stream) {
  uint64_t value = 0;
  for (uint8_t byte : stream.count) value = (value << 8) | byte;
  return value;
}

}  // namespace

int run_throughput(const Options& options) {
  Epoll epoll;
  std::vector<Stream> streams(options.streams);
  for (size_t i = 0; i < streams.size(); ++i) {
    streams[i].fd = open_stream(options);
    if (!streams[i].fd) {
      std::fprintf(stderr, "socksbench throughput: stream %zu could not be opened\n", i);
      return 1;
    }
    epoll.add(streams[i].fd.get(), EPOLLOUT, i);
  }
  UniqueFd chunk = make_chunk_file();
  if (!chunk) {
    std::perror("socksbench throughput: memfd");
    return 1;
  }
  epoll_event events[64];

  const CpuMeter cpu(options.pid);
  const double start = now_seconds();
  const double stop_sending = start + options.seconds;
  for (double now = start; now < stop_sending; now = now_seconds()) {
    int n = epoll.wait(events, 64, millis_until(stop_sending, now));
    for (int i = 0; i < n; ++i) fill(streams[events[i].data.u64], chunk.get(), stop_sending);
  }
  for (size_t i = 0; i < streams.size(); ++i) {
    shutdown(streams[i].fd.get(), SHUT_WR);
    epoll.modify(streams[i].fd.get(), EPOLLIN, i);
  }

  // Wait (bounded) for every stream's count: the end of the transfer as seen by the receiver.
  const double give_up = now_seconds() + 30;
  size_t remaining = streams.size();
  double end = now_seconds();
  for (double now = end; remaining > 0 && now < give_up; now = now_seconds()) {
    int n = epoll.wait(events, 64, millis_until(give_up, now));
    for (int i = 0; i < n; ++i) {
      auto& stream = streams[events[i].data.u64];
      if (stream.done) continue;
      read_count(stream);
      if (stream.done) {
        --remaining;
        end = now_seconds();
        epoll.remove(stream.fd.get());
      }
    }
  }

  const std::string cpu_use = cpu.summary();
  uint64_t sent = 0, received = 0;
  int bad = 0;
  for (const auto& stream : streams) {
    sent += stream.sent;
    received += stream.count_bytes == 8 ? received_of(stream) : 0;
    bad += stream.failed || stream.count_bytes != 8 || received_of(stream) != stream.sent;
  }
  double seconds = end - start;
  std::printf(
      "mode=throughput label=%s streams=%d sent=%llu received=%llu seconds=%.3f "
      "mib_per_s=%.1f bad_streams=%d %s\n",
      options.label.c_str(), options.streams, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(received), seconds,
      static_cast<double>(received) / (1 << 20) / seconds, bad, cpu_use.c_str());
  return bad == 0 ? 0 : 1;
}

}  // namespace socksbench
