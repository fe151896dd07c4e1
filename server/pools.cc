#include "pools.h"

#include <fcntl.h>
#include <unistd.h>

namespace sockd {

std::unique_ptr<Pipe> PipePool::take() {
  if (!idle_.empty()) {
    std::unique_ptr<Pipe> pipe = std::move(idle_.back());
    idle_.pop_back();
    return pipe;
  }
  int ends[2];
  if (pipe2(ends, O_NONBLOCK | O_CLOEXEC) != 0) return nullptr;
  auto pipe = std::make_unique<Pipe>();
  pipe->read_end.reset(ends[0]);
  pipe->write_end.reset(ends[1]);
  // A larger pipe moves more per splice call; the kernel may refuse (pipe-max-size, or the
  // per-user pipe page limit), and the default size still works.
  fcntl(ends[1], F_SETPIPE_SZ, pipe_size_);
  int size = fcntl(ends[1], F_GETPIPE_SZ);
  pipe->capacity = size > 0 ? static_cast<uint32_t>(size) : 4096;
  return pipe;
}

void PipePool::give_back(std::unique_ptr<Pipe> pipe) {
  if (idle_.size() < max_idle_) idle_.push_back(std::move(pipe));
}

std::unique_ptr<uint8_t[]> BufferPool::take() {
  if (!idle_.empty()) {
    std::unique_ptr<uint8_t[]> buffer = std::move(idle_.back());
    idle_.pop_back();
    return buffer;
  }
  return std::make_unique_for_overwrite<uint8_t[]>(buffer_size_);
}

void BufferPool::give_back(std::unique_ptr<uint8_t[]> buffer) {
  if (idle_.size() < max_idle_) idle_.push_back(std::move(buffer));
}

}  // namespace sockd
