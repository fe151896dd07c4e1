// What a process costs, read from /proc: resident memory and CPU time, for tests that bound
// sockd's memory per connection or check that it does not spin.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace socks4::test {

// VmRSS of `pid` in KiB; -1 if it cannot be read.
long resident_kib(pid_t pid);

// User plus system CPU time of `pid` (all its threads) in milliseconds; -1 if unreadable.
int64_t cpu_milliseconds(pid_t pid);

}  // namespace socks4::test
