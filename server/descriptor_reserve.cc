#include "descriptor_reserve.h"

#include <fcntl.h>
#include <unistd.h>

namespace sockd {

bool DescriptorReserve::fill(size_t size) {
  std::lock_guard lock(mutex_);
  size_ = size;
  if (!null_) null_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_) return false;
  top_up_locked();
  return true;
}

bool DescriptorReserve::give_up_one() {
  std::lock_guard lock(mutex_);
  top_up_locked();
  if (held_.empty()) return false;
  held_.pop_back();  // closes it
  short_.store(true, std::memory_order_relaxed);
  return true;
}

void DescriptorReserve::keep(socks4::UniqueFd refused) {
  std::lock_guard lock(mutex_);
  // dup3 closes the client's socket and reuses its number atomically.
  if (null_ && held_.size() < size_ && dup3(null_.get(), refused.get(), O_CLOEXEC) >= 0)
    held_.push_back(std::move(refused));
  // Otherwise `refused` is simply closed.
  top_up_locked();
}

void DescriptorReserve::top_up() {
  if (!short_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mutex_);
  top_up_locked();
}

void DescriptorReserve::top_up_locked() {
  while (null_ && held_.size() < size_) {
    socks4::UniqueFd copy(fcntl(null_.get(), F_DUPFD_CLOEXEC, 0));
    if (!copy) break;
    held_.push_back(std::move(copy));
  }
  short_.store(held_.size() < size_, std::memory_order_relaxed);
}

}  // namespace sockd
