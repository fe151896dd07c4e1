// System calls made without the C library: no errno, no thread state, no cancellation point.
// socksify's fast start (socksify_fast_start.cc) runs before its C library is set up, when a
// libc call would touch thread-local storage that does not exist yet; the exec checks
// (preload_exec_target.cc) may run in a vfork child, where errno must stay the caller's.
// Each returns the kernel's answer: a value >= 0, or -errno.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cstddef>
#include <cstdint>

#if !defined(__x86_64__)
#error "bare_syscalls.h speaks the x86-64 system call convention only"
#endif

namespace socks4::bare {

inline long syscall3(long number, long a, long b, long c) {
  long result;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(a), "S"(b), "d"(c)
               : "rcx", "r11", "memory");
  return result;
}

inline long syscall4(long number, long a, long b, long c, long d) {
  long result;
  register long r10 asm("r10") = d;
  asm volatile("syscall"
               : "=a"(result)
               : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
               : "rcx", "r11", "memory");
  return result;
}

inline int open_read(const char* path) {
  return static_cast<int>(syscall4(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path),
                                   O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0));
}

inline long pread(int fd, void* out, size_t length, uint64_t offset) {
  return syscall4(SYS_pread64, fd, reinterpret_cast<long>(out), static_cast<long>(length),
                  static_cast<long>(offset));
}

inline void close(int fd) {
  syscall3(SYS_close, fd, 0, 0);
}

// faccessat(2) with the real ids, as access(2).
inline bool accessible(const char* path, int mode) {
  return syscall4(SYS_faccessat, AT_FDCWD, reinterpret_cast<long>(path), mode, 0) == 0;
}

inline bool stat_path(const char* path, struct stat& out) {
  return syscall4(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(path),
                  reinterpret_cast<long>(&out), 0) == 0;
}

// Not inlined: a profiler can stop before it (bench/socksify_budget.sh).
__attribute__((noinline)) inline long execve(const char* path, char* const argv[],
                                            char* const envp[]) {
  return syscall3(SYS_execve, reinterpret_cast<long>(path), reinterpret_cast<long>(argv),
                  reinterpret_cast<long>(envp));
}

// Closes a descriptor at the end of its scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace socks4::bare
