// Descriptors held in reserve, shared by every worker, for answering clients when the process
// has run out of descriptors (EMFILE/ENFILE). accept() needs a free descriptor number even to
// refuse a client; one from the reserve is given up for it, and the refused client's number
// becomes a reserve descriptor again in the same step (dup3), so no other thread can take it
// in between. Another thread can still take a number in the moment between giving one up and
// accept(); the reserve then holds others, and is topped up whenever a number is free again.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "socks4/unique_fd.h"

namespace sockd {

class DescriptorReserve {
 public:
  DescriptorReserve() = default;
  DescriptorReserve(const DescriptorReserve&) = delete;
  DescriptorReserve& operator=(const DescriptorReserve&) = delete;

  // Opens /dev/null once to copy from, then holds up to `size` descriptors; false if even the
  // first cannot be opened.
  bool fill(size_t size);
  // Closes one reserved descriptor so that the caller's next accept() has a number; false if
  // none is held and none can be had.
  bool give_up_one();
  // Closes `refused` and keeps its number in reserve, in one step.
  void keep(socks4::UniqueFd refused);
  // Takes free numbers back into the reserve, up to its size; cheap when it is full.
  void top_up();

 private:
  void top_up_locked();

  std::mutex mutex_;
  socks4::UniqueFd null_;  // the open /dev/null every reserve descriptor is a copy of
  std::vector<socks4::UniqueFd> held_;
  size_t size_ = 0;
  std::atomic<bool> short_{false};  // read without the lock on every accept
};

}  // namespace sockd
