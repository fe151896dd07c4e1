// Keeps C++ exceptions from crossing into C callers: runs a system-call-like operation (a
// result, or -1 with errno) and turns an exception into -1 with errno set. Used at the C ABI of
// socks.h and at every call the preload library interposes.
#pragma once

#include <cerrno>
#include <new>

namespace socks4 {

template <typename Call>
auto shielded(Call&& call) noexcept -> decltype(call()) {
  try {
    return call();
  } catch (const std::bad_alloc&) {
    errno = ENOMEM;
  } catch (...) {
    errno = EIO;
  }
  return -1;
}

}  // namespace socks4
