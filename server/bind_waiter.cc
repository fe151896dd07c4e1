#include "bind_waiter.h"

namespace sockd {

void BindWakeups::post(std::weak_ptr<BindWaiter> waiter) {
  {
    std::lock_guard lock(mutex_);
    posted_.push_back(std::move(waiter));
  }
  wake_();
}

std::vector<std::weak_ptr<BindWaiter>> BindWakeups::take_all() {
  std::vector<std::weak_ptr<BindWaiter>> taken;
  std::lock_guard lock(mutex_);
  taken.swap(posted_);
  return taken;
}

}  // namespace sockd
