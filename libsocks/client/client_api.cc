// The C ABI of socks.h: thin wrappers that keep C++ exceptions from crossing into C.
#include "socks.h"

#include <cerrno>
#include <new>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_ops.h"
#include "socks4/client_poll.h"
#include "socks4/errno_shield.h"

namespace sc = socks4::client;

extern "C" {

int SOCKSinit(char* progname) {
  return socks4::shielded([&] {
    sc::set_program_name(progname);
    sc::context();
    return 0;
  });
}

int Rconnect(int fd, const sockaddr* address, socklen_t length) {
  return socks4::shielded([&] { return sc::connect_socket(fd, address, length); });
}

int Rbind(int fd, const sockaddr* address, socklen_t length) {
  return socks4::shielded([&] { return sc::bind_socket(fd, address, length); });
}

int Rgetsockname(int fd, sockaddr* address, socklen_t* length) {
  return socks4::shielded([&] { return sc::socket_name(fd, address, length); });
}

int Rlisten(int fd, int backlog) {
  return socks4::shielded([&] { return sc::listen_socket(fd, backlog); });
}

int Raccept(int fd, sockaddr* address, socklen_t* length) {
  return socks4::shielded([&] { return sc::accept_socket(fd, address, length); });
}

int Rselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds, timeval* timeout) {
  return socks4::shielded(
      [&] { return sc::select_sockets(nfds, readfds, writefds, exceptfds, timeout); });
}

int Rrcmd(char** ahost, unsigned short inport, const char* locuser, const char* remuser,
          const char* cmd, int* fd2p) {
  return socks4::shielded(
      [&] { return sc::remote_command(ahost, inport, locuser, remuser, cmd, fd2p); });
}

int Rpoll(pollfd* fds, nfds_t nfds, int timeout) {
  return socks4::shielded([&] { return sc::poll_sockets(fds, nfds, timeout); });
}

int Rgetsockopt(int fd, int level, int optname, void* optval, socklen_t* optlen) {
  return socks4::shielded([&] { return sc::socket_option(fd, level, optname, optval, optlen); });
}

hostent* Rgethostbyname(const char* name) {
  try {
    return sc::host_by_name(name);
  } catch (...) {
    h_errno = NO_RECOVERY;
    return nullptr;
  }
}

int Rgetaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  try {
    return sc::address_info(node, service, hints, res);
  } catch (const std::bad_alloc&) {
    return EAI_MEMORY;
  } catch (...) {
    return EAI_FAIL;
  }
}

}  // extern "C"
