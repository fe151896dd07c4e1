// How big the load tests run. A normal build runs the figures `make test` can afford; a
// sanitizer build (ASan, TSan: instrumented code is several times slower) runs a smaller load
// through the same code paths; SOCKS4_SOAK=1 (make soak) runs the full figures of the issue.
#pragma once

#include <cstdlib>
#include <cstring>

namespace socks4::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif

inline bool soak_run() {
  const char* value = std::getenv("SOCKS4_SOAK");
  return value && *value && std::strcmp(value, "0") != 0;
}

// `normal` in a normal build, `sanitized` in a sanitizer build, `soak` under SOCKS4_SOAK=1.
template <typename T>
T load_size(T normal, T sanitized, T soak) {
  if (soak_run()) return soak;
  return kSanitizedBuild ? sanitized : normal;
}

}  // namespace socks4::test
