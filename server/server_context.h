// State shared by all worker threads: the active configuration (swapped whole on SIGHUP) and
// process-wide settings that never change after start.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "bind_primaries.h"
#include "descriptor_reserve.h"
#include "shell_runner.h"
#include "socks4/sockd_conf.h"

namespace sockd {

struct ActiveConfig {
  socks4::conf::Config config;
  std::string source;  // the file it came from, or "built-in"
  // True if some rule's destination is an address other than 0.0.0.0/0: then a 4a request can
  // only be decided once its name is resolved. Otherwise the name alone decides, before any
  // DNS (and each resolved address is still checked afterwards).
  bool rules_need_resolved_address = false;
  // True if the global identd mode or some rule's ?= may call for an identd query.
  bool identd_may_be_needed = false;
};

std::shared_ptr<const ActiveConfig> make_active_config(socks4::conf::Config config,
                                                       std::string source);

// The active configuration: replaced by the main thread on SIGHUP, read by every worker when a
// client arrives. A plain mutex, not std::atomic<std::shared_ptr>: libstdc++ 12's version
// releases its internal lock after a load with relaxed ordering, a data race under the C++
// memory model that ThreadSanitizer rightly reports. Taken once per client, never contended
// for long.
class SharedConfig {
 public:
  std::shared_ptr<const ActiveConfig> load() const {
    std::lock_guard lock(mutex_);
    return config_;
  }
  void store(std::shared_ptr<const ActiveConfig> config) {
    std::lock_guard lock(mutex_);
    config_.swap(config);
    // The old configuration is freed on return, after the lock is released.
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ActiveConfig> config_;
};

struct ServerContext {
  SharedConfig config;
  bool use_splice = true;
  std::atomic<int> open_clients{0};      // accepted and not yet closed, all workers
  PrimaryConnections primaries;          // established CONNECTs, for granting BIND
  ShellRunner shell;                     // the commands of sockd.conf rules
  DescriptorReserve descriptor_reserve;  // for refusing clients when descriptors run out
};

// Counts one accepted client in ServerContext::open_clients for as long as it lives; moves with
// the client from Session to Relay.
class ClientSlot {
 public:
  ClientSlot() = default;
  explicit ClientSlot(std::atomic<int>& counter) : counter_(&counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  ClientSlot(ClientSlot&& other) noexcept : counter_(std::exchange(other.counter_, nullptr)) {}
  ClientSlot& operator=(ClientSlot&& other) noexcept {
    std::swap(counter_, other.counter_);
    return *this;
  }
  ~ClientSlot() {
    if (counter_) counter_->fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  std::atomic<int>* counter_ = nullptr;
};

}  // namespace sockd
