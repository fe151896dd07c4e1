// Held connections: opens --count echo connections (through the proxy when given), at most
// kWindow handshakes in flight, retrying failures until --timeout. Each counts as held once a
// byte has made the round trip. Then the proxy's resident memory (its whole process tree) is
// read and compared with the reading taken before, and every held connection is pinged once
// more to prove the relay is still alive. Finally the echo server is asked to close each one
// first, so no TIME_WAIT lands on an ephemeral port (other programs on the box need them).
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "echo_client.h"
#include "modes.h"
#include "proc_stats.h"

namespace socksbench {
namespace {

constexpr int kWindow = 256;        // handshakes in flight at once
constexpr int kMaxFailures = 1000;  // a proxy refusing everything ends the test early
using State = EchoClient::State;

class Holder {
 public:
  explicit Holder(const Options& options) : options_(options) {
    if (options.proxy) request_ = socks_connect_request(*options.target);
    clients_.reserve(options.count);
    for (int i = 0; i < options.count; ++i) {
      clients_.emplace_back(options.proxy ? *options.proxy : *options.target,
                            options.proxy ? &request_ : nullptr, false);
    }
  }

  // Returns how many connections are held.
  int establish(double deadline) {
    int next = 0, in_flight = 0, held = 0;
    std::vector<int> retry;  // slots whose attempt failed, to be opened again
    for (double now = now_seconds();
         held < options_.count && now < deadline && failures_ < kMaxFailures; now = now_seconds()) {
      while (in_flight < kWindow && (next < options_.count || !retry.empty())) {
        int slot = next;
        if (!retry.empty()) {
          slot = retry.back();
          retry.pop_back();
        } else {
          ++next;
        }
        if (clients_[slot].start(epoll_, slot) == State::kFailed) {
          ++failures_;
          clients_[slot].close();
          retry.push_back(slot);
          break;  // out of descriptors or ports: let the loop breathe, retry later
        }
        ++in_flight;
      }
      int n = epoll_.wait(events_, kEvents, millis_until(deadline, now));
      for (int e = 0; e < n; ++e) {
        int slot = static_cast<int>(events_[e].data.u64);
        auto& client = clients_[slot];
        State before = client.state();
        State after = client.advance(events_[e].events);
        if (before == State::kDone) {
          if (after == State::kFailed) {  // the proxy dropped a held one
            ++lost_;
            --held;
            client.close();
          }
          continue;
        }
        if (after == State::kDone) {
          ++held;
          --in_flight;
        } else if (after == State::kFailed) {
          ++failures_;
          --in_flight;
          client.close();
          retry.push_back(slot);
        }
      }
    }
    return held;
  }

  // Sends one byte on every held connection; returns how many echoed it within the deadline.
  int ping_all(double deadline) {
    return round_trip([](EchoClient& client) { return client.ping(); }, deadline);
  }

  // Asks the server to close every held connection; returns how many saw EOF in time.
  int quit_all(double deadline) {
    return round_trip([](EchoClient& client) { return client.quit(); }, deadline);
  }

  long long failures() const { return failures_; }
  long long lost() const { return lost_; }

 private:
  // Applies `step` to every held (kDone) client and waits until they are kDone again.
  template <typename Step>
  int round_trip(Step step, double deadline) {
    int waiting = 0, done = 0;
    for (auto& client : clients_) {
      if (client.state() != State::kDone) continue;
      State after = step(client);
      waiting += after != State::kDone && after != State::kFailed;
      done += after == State::kDone;
    }
    for (double now = now_seconds(); waiting > 0 && now < deadline; now = now_seconds()) {
      int n = epoll_.wait(events_, kEvents, millis_until(deadline, now));
      for (int e = 0; e < n; ++e) {
        auto& client = clients_[events_[e].data.u64];
        if (client.state() != State::kAwaitEcho && client.state() != State::kAwaitClose) continue;
        State after = client.advance(events_[e].events);
        if (after == State::kDone) ++done, --waiting;
        if (after == State::kFailed) --waiting;
      }
    }
    return done;
  }

  static constexpr int kEvents = 256;
  const Options& options_;
  std::vector<uint8_t> request_;
  std::vector<EchoClient> clients_;
  Epoll epoll_;
  epoll_event events_[kEvents];
  long long failures_ = 0, lost_ = 0;
};

}  // namespace

int run_hold(const Options& options) {
  TreeUsage before = options.pid ? tree_usage(options.pid) : TreeUsage{};
  Holder holder(options);
  const double start = now_seconds();
  int held = holder.establish(start + options.timeout);
  double seconds = now_seconds() - start;
  usleep(500 * 1000);  // let the proxy finish whatever it does after the last relay starts
  TreeUsage after = options.pid ? tree_usage(options.pid) : TreeUsage{};
  int alive = holder.ping_all(now_seconds() + 10);
  int closed = holder.quit_all(now_seconds() + 10);
  long long delta = after.rss_kib - before.rss_kib;
  std::printf(
      "mode=hold label=%s target_count=%d held=%d alive=%d failures=%lld lost=%lld "
      "closed=%d seconds=%.3f rss_before_kib=%lld rss_after_kib=%lld processes=%d "
      "kib_per_conn=%.2f\n",
      options.label.c_str(), options.count, held, alive, holder.failures(), holder.lost(), closed,
      seconds, before.rss_kib, after.rss_kib, after.processes,
      held > 0 && options.pid ? static_cast<double>(delta) / held : 0.0);
  return held == options.count && alive == held ? 0 : 1;
}

}  // namespace socksbench
