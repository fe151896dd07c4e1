/* socks.h - the SOCKS 4/4a client library (libsocks), C interface.
 *
 * SOCKSify a C program without changing its source:
 *   cc -Dconnect=Rconnect -Dbind=Rbind -Dgetsockname=Rgetsockname -Dlisten=Rlisten \
 *      -Daccept=Raccept -Dselect=Rselect -Drcmd=Rrcmd ... -lsocks
 * Each R function has the signature of the call it replaces. Routing follows socks.conf(5)
 * and the SOCKS_* environment variables; see libsocks(3).
 *
 * Extensions beyond the classic set, for programs that use non-blocking connects with
 * poll(2) or read SO_ERROR: -Dpoll=Rpoll -Dgetsockopt=Rgetsockopt; and for names only the
 * SOCKS server can resolve (SOCKS 4a): -Dgethostbyname=Rgethostbyname -Dgetaddrinfo=Rgetaddrinfo.
 */
#ifndef SOCKS_H
#define SOCKS_H

#include <netdb.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* glibc declares the socket calls with transparent-union address arguments in GNU C; use the
 * same spelling so these declarations agree with <sys/socket.h> under the -D renames. */
#if defined(__CONST_SOCKADDR_ARG) && defined(__SOCKADDR_ARG)
#define SOCKS_CONST_SOCKADDR_ARG __CONST_SOCKADDR_ARG
#define SOCKS_SOCKADDR_ARG __SOCKADDR_ARG
#else
#define SOCKS_CONST_SOCKADDR_ARG const struct sockaddr*
#define SOCKS_SOCKADDR_ARG struct sockaddr*
#endif

/* Names the program in diagnostics and reads the configuration now (otherwise it is read on
 * first use). Optional. Returns 0. */
int SOCKSinit(char* progname);

int Rconnect(int fd, SOCKS_CONST_SOCKADDR_ARG address, socklen_t length);
int Rbind(int fd, SOCKS_CONST_SOCKADDR_ARG address, socklen_t length);
int Rgetsockname(int fd, SOCKS_SOCKADDR_ARG address, socklen_t* __restrict length);
int Rlisten(int fd, int backlog);
int Raccept(int fd, SOCKS_SOCKADDR_ARG address, socklen_t* __restrict length);
int Rselect(int nfds, fd_set* __restrict readfds, fd_set* __restrict writefds,
            fd_set* __restrict exceptfds, struct timeval* __restrict timeout);
int Rrcmd(char** __restrict ahost, unsigned short inport, const char* __restrict locuser,
          const char* __restrict remuser, const char* __restrict cmd, int* __restrict fd2p);

/* Extensions. */
int Rpoll(struct pollfd* fds, nfds_t nfds, int timeout);
int Rgetsockopt(int fd, int level, int optname, void* __restrict optval,
                socklen_t* __restrict optlen);
/* A name left to the SOCKS server resolves to a fake address in 198.18.0.0/15 that Rconnect
 * sends as a 4a request; other names resolve locally. Free getaddrinfo results with
 * freeaddrinfo(3). */
struct hostent* Rgethostbyname(const char* name);
int Rgetaddrinfo(const char* __restrict node, const char* __restrict service,
                 const struct addrinfo* __restrict hints, struct addrinfo** __restrict res);

#ifdef __cplusplus
}
#endif

#endif /* SOCKS_H */
