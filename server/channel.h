// One direction of a relay (src -> dst): moves bytes with splice(2) through a pooled pipe, or
// with read/write through a pooled buffer, holding either only while bytes are in flight.
// With splice on, a direction copies until one read brings kBulkBytes, then splices: for a few
// bytes a copy costs less than two splices and a pipe.
// Driven by edge-triggered readiness: the sockets' "readable"/"writable" flags, which the
// channel clears when the kernel says EAGAIN.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "pools.h"
#include "watched_socket.h"

namespace sockd {

class Channel {
 public:
  struct Ends {
    WatchedSocket& src;
    WatchedSocket& dst;
    // The other direction is done: at EOF the sockets close at once, and the close sends the
    // FIN that a shutdown() would.
    bool reverse_finished;
  };
  struct PumpResult {
    bool moved = false;  // bytes moved or EOF seen
    bool more = false;   // stopped with work left (budget): pump again soon
  };

  // Moves what it can now. On EOF from src, once everything is written, shuts dst down for
  // writing (half-close) unless the other direction is finished too.
  PumpResult pump(const Ends& ends, Pools& pools);

  // Bytes to send before anything read from src (what the client sent right after its request).
  void preload(std::span<const uint8_t> bytes, Pools& pools);

  bool finished() const { return shut_down_; }
  bool source_ended() const { return eof_; }
  bool has_pending() const { return pending_ > 0; }  // bytes taken in, not yet passed on
  int error() const { return error_; }               // errno of a failure, 0 if none
  uint64_t bytes() const { return bytes_; }

 private:
  enum class Step { kMoved, kBlocked, kFailed };
  Step fill(const Ends& ends, Pools& pools);
  Step drain(const Ends& ends);
  void release(Pools& pools);
  uint32_t capacity(const Pools& pools) const;

  std::unique_ptr<Pipe> pipe_;
  std::unique_ptr<uint8_t[]> buffer_;
  uint32_t pending_ = 0;  // bytes in the pipe or buffer
  uint32_t head_ = 0;     // buffer only: offset of the first pending byte
  uint64_t bytes_ = 0;    // written to dst
  bool bulk_ = false;     // a read has brought kBulkBytes: splice from now on (if splicing)
  int error_ = 0;
  bool eof_ = false;
  bool shut_down_ = false;
};

}  // namespace sockd
