// Every interposer runs its SOCKS logic only in the outermost call of a thread: whatever the
// layer itself calls (the resolver used to find a SOCKS server, close() of a temporary socket)
// goes straight to the real definition. And nothing thrown may cross into the C caller.
#pragma once

#include <cerrno>

#include "socks4/errno_shield.h"

namespace socks4::preload {

class ReentryGuard {
 public:
  ReentryGuard() : outermost_(depth_ == 0) { ++depth_; }
  ~ReentryGuard() { --depth_; }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;

  bool outermost() const { return outermost_; }

 private:
  // initial-exec: a preloaded library has static TLS, and access never allocates.
  static inline thread_local int depth_ __attribute__((tls_model("initial-exec"))) = 0;
  bool outermost_;
};

using socks4::shielded;

}  // namespace socks4::preload
