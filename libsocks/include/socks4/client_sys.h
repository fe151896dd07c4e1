// The system calls the client library makes, behind one table. By default they are the libc
// functions; the LD_PRELOAD layer replaces them with the next definitions (dlsym RTLD_NEXT)
// before any thread starts, so the library never calls back into its own interposers.
#pragma once

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

namespace socks4::client {

struct SysCalls {
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*listen)(int, int);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*getsockname)(int, sockaddr*, socklen_t*);
  int (*getpeername)(int, sockaddr*, socklen_t*);
  int (*getsockopt)(int, int, int, void*, socklen_t*);
  int (*poll)(pollfd*, nfds_t, int);
  int (*close)(int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*recv)(int, void*, size_t, int);
  int (*rcmd)(char**, unsigned short, const char*, const char*, const char*, int*);
};

const SysCalls& sys();
void set_sys_calls(const SysCalls& calls);

}  // namespace socks4::client
