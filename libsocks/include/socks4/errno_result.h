// The errno conventions of the system-call-like code on both sides (the client library, the
// preload library, sockd): one spelling each.
#pragma once

#include <cerrno>

namespace socks4 {

// Fails a system-call-like function: errno = `error`, result -1.
inline int fail_with(int error) {
  errno = error;
  return -1;
}

// A non-blocking socket has nothing for now: wait for its next readiness (EINTR counts too,
// unless the caller retries it at once).
inline bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

}  // namespace socks4
