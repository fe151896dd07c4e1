// How the stats listener reads the workers without sharing their data: it posts a
// SnapshotRequest to every worker's mailbox (which wakes the worker's loop), each worker copies
// its counters and lists its live relays on its own thread, and the listener waits (bounded)
// until all have answered. Nothing is read across threads but the finished copies, handed over
// under a mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "counters.h"

namespace sockd::stats {

// One live relay, as the status page shows it.
struct RelayRow {
  std::string client;       // "127.0.0.1:40000"
  std::string user;         // USERID as sent (the renderers escape it)
  std::string command;      // "connect" or "bind"
  std::string destination;  // as requested: "example.test:80", "192.0.2.1:80"
  std::string connected;    // the address actually connected (BIND: the inbound peer)
  uint64_t bytes_upstream = 0;
  uint64_t bytes_downstream = 0;
  int64_t age_ms = 0;
  int64_t idle_ms = 0;
};

// What a relay carries for its row, set when the session hands it over: the request's fields
// as they came (short strings, copied without formatting), formatted only when someone asks.
struct RelayLabel {
  std::string user;
  std::string hostname;  // 4a; empty otherwise
  uint32_t ip = 0;       // DSTIP, host order
  uint16_t port = 0;
  socks4::Command command = socks4::Command::kConnect;

  std::string destination() const;  // "example.test:80", "192.0.2.1:80" (sanitised)
};

RelayLabel label_for(const socks4::Request& request);

struct WorkerSnapshot {
  WorkerCounters counters;
  uint64_t live_bytes_upstream = 0;  // of the relays still open
  uint64_t live_bytes_downstream = 0;
  uint64_t relays_active = 0;
  uint64_t negotiations_active = 0;  // sessions not yet relaying, BINDs waiting included
  uint64_t bind_waiting = 0;
  std::vector<RelayRow> relays;  // only when asked for, at most kMaxRelayRows
};

// Rows per worker on the status page and in status.json.
inline constexpr size_t kMaxRelayRows = 500;

class SnapshotRequest {
 public:
  SnapshotRequest(size_t workers, bool with_relays) : slots_(workers), with_relays_(with_relays) {}
  bool with_relays() const { return with_relays_; }
  // Worker thread.
  void deliver(size_t index, WorkerSnapshot snapshot);
  // Stats thread: waits until every worker answered or `timeout` passed; the answers so far
  // (a worker that did not answer in time is nullopt).
  std::vector<std::optional<WorkerSnapshot>> wait(std::chrono::milliseconds timeout);

 private:
  std::mutex mutex_;
  std::condition_variable answered_;
  std::vector<std::optional<WorkerSnapshot>> slots_;
  size_t delivered_ = 0;
  bool with_relays_;
};

// A worker's incoming requests: posted by the stats thread, taken by the worker's loop.
class SnapshotMailbox {
 public:
  explicit SnapshotMailbox(std::function<void()> wake) : wake_(std::move(wake)) {}
  void post(std::shared_ptr<SnapshotRequest> request);
  std::vector<std::shared_ptr<SnapshotRequest>> take_all();

 private:
  std::function<void()> wake_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<SnapshotRequest>> pending_;
};

}  // namespace sockd::stats
