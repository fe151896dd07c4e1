// Per-thread pools of what a relay needs only while bytes are in flight: pipes for splice(2)
// and user-space buffers. An idle connection holds neither, so it costs two descriptors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "socks4/unique_fd.h"

namespace sockd {

struct Pipe {
  socks4::UniqueFd read_end;
  socks4::UniqueFd write_end;
  uint32_t capacity = 0;  // bytes
};

class PipePool {
 public:
  // Pipes are grown to `pipe_size` bytes when the kernel allows it.
  PipePool(size_t max_idle, int pipe_size) : max_idle_(max_idle), pipe_size_(pipe_size) {}
  // nullptr if no pipe can be made now (descriptor limit).
  std::unique_ptr<Pipe> take();
  // Takes back an empty pipe; keeps it if the pool is not full.
  void give_back(std::unique_ptr<Pipe> pipe);

 private:
  size_t max_idle_;
  int pipe_size_;
  std::vector<std::unique_ptr<Pipe>> idle_;
};

class BufferPool {
 public:
  BufferPool(size_t max_idle, uint32_t buffer_size)
      : max_idle_(max_idle), buffer_size_(buffer_size) {}
  std::unique_ptr<uint8_t[]> take();
  void give_back(std::unique_ptr<uint8_t[]> buffer);
  uint32_t buffer_size() const { return buffer_size_; }

 private:
  size_t max_idle_;
  uint32_t buffer_size_;
  std::vector<std::unique_ptr<uint8_t[]>> idle_;
};

struct Pools {
  bool use_splice;
  PipePool pipes;
  BufferPool buffers;
};

}  // namespace sockd
