#include "duplex_transfer.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "socket_io.h"

namespace socks4::test {
namespace {

bool send_stream(int fd, ByteStream& stream, size_t length, std::string* error) {
  std::vector<uint8_t> buf(1 << 16);
  while (length > 0) {
    size_t n = std::min(length, buf.size());
    stream.fill(std::span(buf).first(n));
    if (!send_all(fd, std::span(buf).first(n))) {
      *error = std::string("send failed: ") + std::strerror(errno);
      return false;
    }
    length -= n;
  }
  return true;
}

}  // namespace

DuplexResult run_duplex(int fd, const DuplexPlan& plan) {
  DuplexResult result;
  std::mutex mutex;
  std::condition_variable eof_cv;
  bool peer_done = false;  // reader finished (EOF or failure)
  std::string writer_error;

  std::thread writer([&] {
    ByteStream stream(plan.seed);
    if (!send_stream(fd, stream, plan.bytes, &writer_error)) return;
    if (plan.bytes_after_peer_eof > 0) {
      std::unique_lock lock(mutex);
      if (!eof_cv.wait_for(lock, kIoTimeout * 4, [&] { return peer_done; })) {
        writer_error = "peer's EOF never came";
        return;
      }
      lock.unlock();
      if (!send_stream(fd, stream, plan.bytes_after_peer_eof, &writer_error)) return;
    }
    if (shutdown(fd, SHUT_WR) != 0) {
      writer_error = std::string("shutdown failed: ") + std::strerror(errno);
      return;
    }
    result.sent_all = true;
  });

  std::vector<uint8_t> buf(1 << 16);
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      result.clean_eof = true;
      break;
    }
    if (n < 0) {
      result.error = std::string("recv failed: ") + std::strerror(errno);
      break;
    }
    result.received.add(std::span(buf).first(static_cast<size_t>(n)));
  }
  {
    std::lock_guard lock(mutex);
    peer_done = true;
  }
  eof_cv.notify_all();
  writer.join();
  if (result.error.empty()) result.error = writer_error;
  return result;
}

}  // namespace socks4::test
