// Telling a waiting BIND, on its own thread, that its primary connection has closed. The
// primary's relay may live on another worker thread (SO_REUSEPORT), and event bases are not
// shared between threads, so the news is posted to the BIND's worker and acted on there. The
// poster holds only a weak handle: a BIND that ended meanwhile is simply not found.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace sockd {

// Owned by the waiting BIND's session; used only on that session's thread.
struct BindWaiter {
  std::function<void()> primary_closed;
};

// One per worker: any thread posts, the worker takes what was posted when `wake` (called with
// the post, from the posting thread) brings its loop round.
class BindWakeups {
 public:
  explicit BindWakeups(std::function<void()> wake) : wake_(std::move(wake)) {}
  BindWakeups(const BindWakeups&) = delete;
  BindWakeups& operator=(const BindWakeups&) = delete;

  void post(std::weak_ptr<BindWaiter> waiter);        // any thread
  std::vector<std::weak_ptr<BindWaiter>> take_all();  // the owning worker's thread

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<BindWaiter>> posted_;
  std::function<void()> wake_;
};

}  // namespace sockd
