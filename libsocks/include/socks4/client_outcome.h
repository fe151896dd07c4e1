// What a client socket operation did, as its caller needs to know it: the system call's result
// and errno, whether the socket went through a SOCKS server, and whether a negotiation is still
// under way. The LD_PRELOAD layer returns it to the program as is; it never asks the kernel
// afterwards what happened (docs/ARCHITECTURE.md, "Path of one preload connect()").
#pragma once

#include <cerrno>

namespace socks4::client {

enum class Route {
  kDirect,   // the real call, on the application's own terms
  kServer,   // through a SOCKS server (the registry has the socket)
  kRefused,  // refused here: socks.conf deny, unusable settings, a bad fake address
};

struct Outcome {
  int result = 0;  // >= 0 (a descriptor for accept), or -1
  int error = 0;   // errno when result is -1; EINPROGRESS with `pending`
  Route route = Route::kDirect;
  bool pending = false;  // a non-blocking negotiation is under way
};

// The outcome of a system call just made: its result, and errno if it failed.
inline Outcome system_outcome(int result, Route route = Route::kDirect) {
  return Outcome{result, result < 0 ? errno : 0, route, result < 0 && errno == EINPROGRESS};
}

inline Outcome failed_outcome(int error, Route route) {
  return Outcome{-1, error, route, false};
}

// As a system call returns it: the result, with errno set when it is -1.
inline int as_system_call(const Outcome& outcome) {
  if (outcome.result < 0) errno = outcome.error;
  return outcome.result;
}

}  // namespace socks4::client
