#include "relay_snapshot.h"

#include "../log.h"
#include "socks4/conf_address.h"

namespace sockd::stats {

RelayLabel label_for(const socks4::Request& request) {
  return {request.user_id, request.hostname, request.ip, request.port, request.command};
}

std::string RelayLabel::destination() const {
  return (hostname.empty() ? socks4::conf::format_ipv4(ip) : log::sanitize(hostname)) + ":" +
         std::to_string(port);
}

void SnapshotRequest::deliver(size_t index, WorkerSnapshot snapshot) {
  std::lock_guard lock(mutex_);
  if (index >= slots_.size() || slots_[index]) return;
  slots_[index] = std::move(snapshot);
  if (++delivered_ == slots_.size()) answered_.notify_all();
}

std::vector<std::optional<WorkerSnapshot>> SnapshotRequest::wait(
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  answered_.wait_for(lock, timeout, [this] { return delivered_ == slots_.size(); });
  // Copied, not moved: a late worker may still deliver into its slot.
  return slots_;
}

void SnapshotMailbox::post(std::shared_ptr<SnapshotRequest> request) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(request));
  }
  wake_();
}

std::vector<std::shared_ptr<SnapshotRequest>> SnapshotMailbox::take_all() {
  std::lock_guard lock(mutex_);
  return std::exchange(pending_, {});
}

}  // namespace sockd::stats
