// Milliseconds of CLOCK_MONOTONIC: deadlines and durations that a change of the wall clock
// cannot move (connect budgets, relay durations, shell command and source-limit windows).
#pragma once

#include <time.h>

#include <cstdint>

namespace sockd {

inline int64_t monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1000000;
}

}  // namespace sockd
