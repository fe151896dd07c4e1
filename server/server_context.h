// State shared by all worker threads: the active configuration (swapped whole on SIGHUP) and
// process-wide settings that never change after start.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "bind_primaries.h"
#include "conf/sockd_conf.h"
#include "descriptor_reserve.h"
#include "hop_primaries.h"
#include "shell_runner.h"
#include "source_limits.h"

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
  // max_connections_per_source and max_negotiations_per_source with `auto` worked out from the
  // descriptor limit when the configuration was loaded; 0 = no limit.
  int connections_per_source = 0;
  int negotiations_per_source = 0;
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
  PrimaryConnections primaries;          // established CONNECTs and waiting BINDs
  HopPrimaries hop_primaries;            // which next hop carries a client's CONNECTs
  SourceLimits sources;                  // connections and negotiations per client address
  ShellRunner shell;                     // the commands of sockd.conf rules
  DescriptorReserve descriptor_reserve;  // for refusing clients when descriptors run out
};

// Counts one accepted client in ServerContext::open_clients, and in its address's
// SourceLimits, for as long as it lives (its negotiation until end_negotiation()); moves with
// the client from Session to Relay.
class ClientSlot {
 public:
  ClientSlot() = default;
  ClientSlot(std::atomic<int>& counter, SourceLimits::Admitted source)
      : open_client_(OpenClient{&counter}),
        connection_(std::move(source.connection)),
        negotiation_(std::move(source.negotiation)) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }

  // Only the place in open_clients, and `source`'s counts (a connection behind a balancer: the
  // balancer's negotiation until the PROXY header names the client, then the client's).
  ClientSlot(std::atomic<int>& counter, SourceHold negotiation)
      : ClientSlot(counter, SourceLimits::Admitted{SourceHold(), std::move(negotiation)}) {}
  void change_source(SourceLimits::Admitted source) {
    connection_ = std::move(source.connection);
    negotiation_ = std::move(source.negotiation);
  }

  // The client's request is complete: it no longer counts against max_negotiations_per_source.
  void end_negotiation() { negotiation_ = SourceHold(); }

 private:
  struct OpenClient {
    std::atomic<int>* counter;
    void release() const { counter->fetch_sub(1, std::memory_order_relaxed); }
  };
  Held<OpenClient> open_client_;
  SourceHold connection_;
  SourceHold negotiation_;
};

}  // namespace sockd
