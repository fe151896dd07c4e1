// Interposers for sendto, sendmsg and sendmmsg. A TCP Fast Open send (MSG_FASTOPEN with a
// destination) connects the socket as part of the send, so without these it would reach any
// destination directly, whatever socks.conf says. Such a send is routed exactly as connect()
// is (preload_connect), then the data goes out without MSG_FASTOPEN; a non-blocking socket
// gets connect()'s EINPROGRESS, as the kernel answers when it cannot use Fast Open.
//
// These run on every send of every socket: the common case (no MSG_FASTOPEN) is one test of
// the flags and a call of the real function, with no lock and no system call.
#include <sys/socket.h>

#include "preload_connect.h"
#include "preload_guard.h"
#include "preload_real.h"
#include "socks4/client_log.h"
#include "socks4/client_socket.h"

namespace sp = socks4::preload;
namespace sc = socks4::client;

namespace {

// A send that would connect: Fast Open, to an internet destination (the kernel refuses
// AF_UNSPEC itself, and other families have no Fast Open).
inline bool connects_while_sending(int flags, const void* destination, socklen_t length) {
  if (__builtin_expect((flags & MSG_FASTOPEN) == 0, 1) || destination == nullptr ||
      length < sizeof(sa_family_t)) {
    return false;
  }
  const sa_family_t family = static_cast<const sockaddr*>(destination)->sa_family;
  return family == AF_INET || family == AF_INET6;
}

// Connects `fd` to `destination` the way connect() does under the preload: 0 when the data
// may be sent now, -1 with errno (EINPROGRESS, ECONNREFUSED, ...) when it may not.
int connect_for_send(int fd, const void* destination, socklen_t length) {
  sc::debug_log("fd %d: MSG_FASTOPEN send: routed as connect(), sent without Fast Open", fd);
  return sp::preload_connect(fd, static_cast<const sockaddr*>(destination), length);
}

// The real functions, copied here at load time so that the common case needs neither the
// one-time check of real() nor a call; a send from another library's constructor, before
// ours ran, finds them through real().
ssize_t (*g_sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t) = nullptr;
ssize_t (*g_sendmsg)(int, const msghdr*, int) = nullptr;
int (*g_sendmmsg)(int, mmsghdr*, unsigned int, int) = nullptr;

__attribute__((constructor)) void copy_real_sends() {
  const sp::RealCalls& real = sp::real();
  g_sendto = real.sendto;
  g_sendmsg = real.sendmsg;
  g_sendmmsg = real.sendmmsg;
}

template <typename Function>
inline Function* loaded(Function* copied, Function* sp::RealCalls::*slot) {
  return __builtin_expect(copied != nullptr, 1) ? copied : sp::real().*slot;
}

__attribute__((noinline)) ssize_t fast_open_sendto(int fd, const void* data, size_t size, int flags,
                                                   const sockaddr* destination, socklen_t length) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::is_stream_socket(fd)) {
    return real.sendto(fd, data, size, flags, destination, length);
  }
  return sp::shielded([&]() -> ssize_t {
    if (connect_for_send(fd, destination, length) != 0) return -1;
    return real.sendto(fd, data, size, flags & ~MSG_FASTOPEN, nullptr, 0);
  });
}

__attribute__((noinline)) ssize_t fast_open_sendmsg(int fd, const msghdr* message, int flags) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::is_stream_socket(fd)) return real.sendmsg(fd, message, flags);
  return sp::shielded([&]() -> ssize_t {
    if (connect_for_send(fd, message->msg_name, message->msg_namelen) != 0) return -1;
    msghdr connected = *message;
    connected.msg_name = nullptr;
    connected.msg_namelen = 0;
    return real.sendmsg(fd, &connected, flags & ~MSG_FASTOPEN);
  });
}

// The kernel sends each message with the flags given, so only the first one's destination can
// connect the socket; TCP ignores the others' once it is connected.
__attribute__((noinline)) int fast_open_sendmmsg(int fd, mmsghdr* messages, unsigned int count,
                                                 int flags) {
  const sp::RealCalls& real = sp::real();
  sp::ReentryGuard guard;
  if (!guard.outermost() || !sc::is_stream_socket(fd)) {
    return real.sendmmsg(fd, messages, count, flags);
  }
  return sp::shielded([&]() -> int {
    const msghdr& first = messages[0].msg_hdr;
    if (connect_for_send(fd, first.msg_name, first.msg_namelen) != 0) return -1;
    return real.sendmmsg(fd, messages, count, flags & ~MSG_FASTOPEN);
  });
}

}  // namespace

extern "C" {

ssize_t sendto(int fd, const void* data, size_t size, int flags, const sockaddr* destination,
               socklen_t length) {
  if (__builtin_expect(!connects_while_sending(flags, destination, length), 1)) {
    return loaded(g_sendto, &sp::RealCalls::sendto)(fd, data, size, flags, destination, length);
  }
  return fast_open_sendto(fd, data, size, flags, destination, length);
}

ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  if (__builtin_expect(message == nullptr ||
                           !connects_while_sending(flags, message->msg_name, message->msg_namelen),
                       1)) {
    return loaded(g_sendmsg, &sp::RealCalls::sendmsg)(fd, message, flags);
  }
  return fast_open_sendmsg(fd, message, flags);
}

int sendmmsg(int fd, mmsghdr* messages, unsigned int count, int flags) {
  if (__builtin_expect(messages == nullptr || count == 0 ||
                           !connects_while_sending(flags, messages[0].msg_hdr.msg_name,
                                                   messages[0].msg_hdr.msg_namelen),
                       1)) {
    return loaded(g_sendmmsg, &sp::RealCalls::sendmmsg)(fd, messages, count, flags);
  }
  return fast_open_sendmmsg(fd, messages, count, flags);
}

}  // extern "C"
