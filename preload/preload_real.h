// The real definitions of every call the preload interposes, found with dlsym(RTLD_NEXT), and
// the one-time start-up of the layer. The client library's system-call table is pointed at
// these before it is first used, so it never calls back into the interposers.
#pragma once

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

namespace socks4::preload {

struct RealCalls {
  int (*connect)(int, const sockaddr*, socklen_t);
  int (*bind)(int, const sockaddr*, socklen_t);
  int (*listen)(int, int);
  int (*accept)(int, sockaddr*, socklen_t*);
  int (*accept4)(int, sockaddr*, socklen_t*, int);
  int (*getsockname)(int, sockaddr*, socklen_t*);
  int (*getpeername)(int, sockaddr*, socklen_t*);
  int (*getsockopt)(int, int, int, void*, socklen_t*);
  int (*close)(int);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*poll)(pollfd*, nfds_t, int);
  int (*poll_chk)(pollfd*, nfds_t, int, size_t);
  int (*ppoll)(pollfd*, nfds_t, const timespec*, const sigset_t*);
  int (*ppoll_chk)(pollfd*, nfds_t, const timespec*, const sigset_t*, size_t);
  int (*select)(int, fd_set*, fd_set*, fd_set*, timeval*);
  int (*pselect)(int, fd_set*, fd_set*, fd_set*, const timespec*, const sigset_t*);
  int (*epoll_ctl)(int, int, int, epoll_event*);
  int (*epoll_wait)(int, epoll_event*, int, int);
  int (*epoll_pwait)(int, epoll_event*, int, int, const sigset_t*);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const msghdr*, int);
  int (*sendmmsg)(int, mmsghdr*, unsigned int, int);
  ssize_t (*recv)(int, void*, size_t, int);
  int (*execve)(const char*, char* const[], char* const[]);
  int (*execv)(const char*, char* const[]);
  int (*execvp)(const char*, char* const[]);
  int (*execvpe)(const char*, char* const[], char* const[]);
  int (*execveat)(int, const char*, char* const[], char* const[], int);
  int (*fexecve)(int, char* const[], char* const[]);
  int (*posix_spawn)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                     const posix_spawnattr_t*, char* const[], char* const[]);
  int (*posix_spawnp)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                      const posix_spawnattr_t*, char* const[], char* const[]);
  int (*rcmd)(char**, unsigned short, const char*, const char*, const char*, int*);
  int (*getaddrinfo)(const char*, const char*, const addrinfo*, addrinfo**);
  int (*getnameinfo)(const sockaddr*, socklen_t, char*, socklen_t, char*, socklen_t, int);
  hostent* (*gethostbyname)(const char*);
  hostent* (*gethostbyname2)(const char*, int);
  int (*gethostbyname_r)(const char*, hostent*, char*, size_t, hostent**, int*);
  int (*gethostbyname2_r)(const char*, int, hostent*, char*, size_t, hostent**, int*);
  hostent* (*gethostbyaddr)(const void*, socklen_t, int);
  int (*gethostbyaddr_r)(const void*, socklen_t, int, hostent*, char*, size_t, hostent**, int*);
};

// Resolves the table on first use (from any thread; later calls are cheap) and starts the
// layer: the client library's system calls, fork handlers, the shared remote-name table.
const RealCalls& real();

}  // namespace socks4::preload
