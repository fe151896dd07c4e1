// Sockets in a SOCKS BIND sequence (see bind_sessions.h).
#include "bind_sessions.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>

#include "socks4/client_registry.h"

namespace socks4::supervisor {
namespace {

void release(const std::shared_ptr<UniqueFd>& held) {
  if (held && *held) client::forget(held->get());  // closes a BIND negotiated ahead too
}

}  // namespace

void BindSessions::hold(UniqueFd held, pid_t process) {
  std::optional<Key> key = socket_key(held.get());
  if (!key) return;
  auto shared = std::make_shared<UniqueFd>(std::move(held));
  std::lock_guard lock(mutex_);
  sweep_locked();
  auto [it, inserted] = sessions_.insert_or_assign(*key, Session{shared, process});
  if (inserted) order_.push_back(*key);
}

std::shared_ptr<UniqueFd> BindSessions::find(int fd) {
  std::optional<Key> key = socket_key(fd);
  if (!key) return nullptr;
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(*key);
  return it == sessions_.end() ? nullptr : it->second.held;
}

void BindSessions::refresh(const std::shared_ptr<UniqueFd>& held) {
  std::optional<Key> key = socket_key(held->get());
  if (!key) return;
  std::lock_guard lock(mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.held != held || it->first == *key) continue;
    Session session = it->second;
    sessions_.erase(it);
    sessions_.emplace(*key, session);
    order_.push_back(*key);
    return;
  }
}

void BindSessions::drop(const std::shared_ptr<UniqueFd>& held) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.held == held) {
        sessions_.erase(it);
        break;
      }
    }
  }
  release(held);
}

// Entries of processes that are gone, and the oldest beyond kMaxSessions - 1.
void BindSessions::sweep_locked() {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (kill(it->second.process, 0) != 0 && errno == ESRCH) {
      release(it->second.held);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  while (!order_.empty() &&
         (sessions_.size() >= kMaxSessions || !sessions_.count(order_.front()))) {
    auto it = sessions_.find(order_.front());
    if (it != sessions_.end()) {
      release(it->second.held);
      sessions_.erase(it);
    }
    order_.pop_front();
  }
}

}  // namespace socks4::supervisor
