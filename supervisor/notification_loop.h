// The supervisor's main loop: receives the seccomp notifications of every supervised thread and
// process and answers each on a worker thread (a connect may wait for a SOCKS server; the
// others must not wait behind it). Workers are started as needed, up to kMaxWorkers; beyond
// that, notifications queue.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "call_answer.h"
#include "socks4/unique_fd.h"

namespace socks4::supervisor {

class NotificationLoop {
 public:
  static constexpr size_t kMaxWorkers = 128;

  NotificationLoop(int listener, SupervisorState& state) : listener_(listener), state_(state) {}
  ~NotificationLoop();  // stops and joins the workers
  NotificationLoop(const NotificationLoop&) = delete;
  NotificationLoop& operator=(const NotificationLoop&) = delete;

  // Serves until no supervised process is left (the listener hangs up). Reaps `child` when it
  // exits and returns its wait status (-1 if it could not be had).
  int run(pid_t child);

 private:
  bool receive();  // one notification into the queue; false when the listener is unusable
  void submit(const Call& call);
  void work();
  void send(const Call& call, const CallAnswer& answer);

  int listener_;
  SupervisorState& state_;
  size_t notification_size_ = 0;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Call> queue_;
  std::vector<std::thread> workers_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace socks4::supervisor
