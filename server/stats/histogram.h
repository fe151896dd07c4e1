// A Prometheus histogram with fixed buckets (seconds), as plain integers: one per worker,
// written only by its thread, added together when the stats listener asks.
#pragma once

#include <time.h>

#include <array>
#include <cstdint>

namespace sockd::stats {

// Microseconds of CLOCK_MONOTONIC: durations of lookups and connects.
inline int64_t monotonic_us() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000000 + now.tv_nsec / 1000;
}

class Histogram {
 public:
  // Upper bounds in microseconds (the `le` labels, in seconds); +Inf is implicit.
  static constexpr std::array<int64_t, 14> kBoundsUs{1000,    5000,     10000,    25000,    50000,
                                                     100000,  250000,   500000,   1000000,  2500000,
                                                     5000000, 10000000, 30000000, 120000000};

  void observe(int64_t microseconds) {
    if (microseconds < 0) microseconds = 0;
    size_t i = 0;
    while (i < kBoundsUs.size() && microseconds > kBoundsUs[i]) ++i;
    ++counts_[i];
    sum_us_ += static_cast<uint64_t>(microseconds);
  }
  Histogram& operator+=(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    sum_us_ += other.sum_us_;
    return *this;
  }
  // Observations <= kBoundsUs[i] (i == kBoundsUs.size(): all of them).
  uint64_t cumulative(size_t i) const {
    uint64_t total = 0;
    for (size_t j = 0; j <= i; ++j) total += counts_[j];
    return total;
  }
  uint64_t count() const { return cumulative(kBoundsUs.size()); }
  double sum_seconds() const { return static_cast<double>(sum_us_) / 1e6; }

 private:
  std::array<uint64_t, kBoundsUs.size() + 1> counts_{};  // per bucket, not cumulative
  uint64_t sum_us_ = 0;
};

}  // namespace sockd::stats
