#include "channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "socks4/errno_result.h"

namespace sockd {

using socks4::would_block;

namespace {

// Fill/drain rounds per pump, so one busy connection cannot starve the others on its thread.
constexpr int kRoundsPerPump = 8;
constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
// A read this large means bulk transfer: from then on the direction splices.
constexpr ssize_t kBulkBytes = 16 * 1024;

}  // namespace

uint32_t Channel::capacity(const Pools& pools) const {
  if (pipe_) return pipe_->capacity;
  return pools.buffers.buffer_size();
}

void Channel::preload(std::span<const uint8_t> bytes, Pools& pools) {
  if (bytes.empty()) return;
  buffer_ = pools.buffers.take();
  size_t length = std::min<size_t>(bytes.size(), pools.buffers.buffer_size());
  std::memcpy(buffer_.get(), bytes.data(), length);
  head_ = 0;
  pending_ = static_cast<uint32_t>(length);
}

Channel::Step Channel::fill(const Ends& ends, Pools& pools) {
  if (!pipe_ && !buffer_) {
    if (pools.use_splice && bulk_) pipe_ = pools.pipes.take();
    // No pipe to be had (descriptor limit): copying through a buffer still works.
    if (!pipe_) buffer_ = pools.buffers.take();
    head_ = 0;
  }
  ssize_t n;
  if (pipe_) {
    n = splice(ends.src.fd(), nullptr, pipe_->write_end.get(), nullptr, capacity(pools) - pending_,
               kSpliceFlags);
  } else {
    uint32_t tail = head_ + pending_;
    n = read(ends.src.fd(), buffer_.get() + tail, capacity(pools) - tail);
    if (n >= kBulkBytes) bulk_ = true;
  }
  if (n > 0) {
    pending_ += static_cast<uint32_t>(n);
    return Step::kMoved;
  }
  if (n == 0) {
    eof_ = true;
    return Step::kMoved;
  }
  if (errno == EINTR) return Step::kMoved;
  if (!would_block(errno)) {
    error_ = errno;
    return Step::kFailed;
  }
  // splice says EAGAIN both for "socket empty" and "pipe full" (a pipe fills by pages, not
  // bytes); only with an empty pipe is it certain that the socket has nothing.
  if (!pipe_ || pending_ == 0) ends.src.readable = false;
  return Step::kBlocked;
}

Channel::Step Channel::drain(const Ends& ends) {
  ssize_t n;
  if (pipe_) {
    n = splice(pipe_->read_end.get(), nullptr, ends.dst.fd(), nullptr, pending_, kSpliceFlags);
  } else {
    n = send(ends.dst.fd(), buffer_.get() + head_, pending_, MSG_NOSIGNAL);
  }
  if (n > 0) {
    pending_ -= static_cast<uint32_t>(n);
    head_ = pipe_ ? 0 : head_ + static_cast<uint32_t>(n);
    bytes_ += static_cast<uint64_t>(n);
    return Step::kMoved;
  }
  if (n < 0 && errno == EINTR) return Step::kMoved;
  if (n < 0 && would_block(errno)) {
    ends.dst.writable = false;
    return Step::kBlocked;
  }
  error_ = n < 0 ? errno : EPIPE;
  return Step::kFailed;
}

void Channel::release(Pools& pools) {
  if (pipe_) pools.pipes.give_back(std::move(pipe_));
  if (buffer_) pools.buffers.give_back(std::move(buffer_));
  head_ = 0;
}

Channel::PumpResult Channel::pump(const Ends& ends, Pools& pools) {
  PumpResult result;
  if (error_ != 0 || shut_down_) return result;
  for (int round = 0; round < kRoundsPerPump; ++round) {
    bool moved = false;
    bool buffer_has_room = pipe_ || !buffer_ || head_ + pending_ < capacity(pools);
    if (!eof_ && ends.src.readable && pending_ < capacity(pools) && buffer_has_room) {
      Step step = fill(ends, pools);
      if (step == Step::kFailed) return result;
      moved |= step == Step::kMoved;
    }
    if (pending_ > 0 && ends.dst.writable) {
      Step step = drain(ends);
      if (step == Step::kFailed) return result;
      moved |= step == Step::kMoved;
    }
    if (pending_ == 0 && (pipe_ || buffer_)) release(pools);
    if (eof_ && pending_ == 0) {
      if (!ends.reverse_finished) shutdown(ends.dst.fd(), SHUT_WR);
      shut_down_ = true;
      result.moved = true;
      return result;
    }
    if (!moved) return result;
    result.moved = true;
  }
  result.more = true;
  return result;
}

}  // namespace sockd
