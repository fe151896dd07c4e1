// Finding the real calls and starting the layer (see preload_real.h).
#include "preload_real.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "socks4/client_context.h"
#include "socks4/client_log.h"
#include "socks4/client_names.h"
#include "socks4/client_notice.h"
#include "socks4/client_registry.h"
#include "socks4/client_sys.h"

namespace socks4::preload {
namespace {

template <typename Function>
void find(Function*& slot, const char* name) {
  slot = reinterpret_cast<Function*>(dlsym(RTLD_NEXT, name));
}

RealCalls resolve_all() {
  RealCalls r{};
  find(r.connect, "connect");
  find(r.bind, "bind");
  find(r.listen, "listen");
  find(r.accept, "accept");
  find(r.accept4, "accept4");
  find(r.getsockname, "getsockname");
  find(r.getpeername, "getpeername");
  find(r.getsockopt, "getsockopt");
  find(r.close, "close");
  find(r.dup, "dup");
  find(r.dup2, "dup2");
  find(r.dup3, "dup3");
  find(r.poll, "poll");
  find(r.poll_chk, "__poll_chk");
  find(r.ppoll, "ppoll");
  find(r.ppoll_chk, "__ppoll_chk");
  find(r.select, "select");
  find(r.pselect, "pselect");
  find(r.epoll_ctl, "epoll_ctl");
  find(r.epoll_wait, "epoll_wait");
  find(r.epoll_pwait, "epoll_pwait");
  find(r.send, "send");
  find(r.sendto, "sendto");
  find(r.sendmsg, "sendmsg");
  find(r.sendmmsg, "sendmmsg");
  find(r.recv, "recv");
  find(r.execve, "execve");
  find(r.execv, "execv");
  find(r.execvp, "execvp");
  find(r.execvpe, "execvpe");
  find(r.execveat, "execveat");
  find(r.fexecve, "fexecve");
  find(r.posix_spawn, "posix_spawn");
  find(r.posix_spawnp, "posix_spawnp");
  find(r.rcmd, "rcmd");
  find(r.getaddrinfo, "getaddrinfo");
  find(r.getnameinfo, "getnameinfo");
  find(r.gethostbyname, "gethostbyname");
  find(r.gethostbyname2, "gethostbyname2");
  find(r.gethostbyname_r, "gethostbyname_r");
  find(r.gethostbyname2_r, "gethostbyname2_r");
  find(r.gethostbyaddr, "gethostbyaddr");
  find(r.gethostbyaddr_r, "gethostbyaddr_r");
  return r;
}

// Fork handlers: no lock of the layer may be held by another thread at the moment of fork,
// or the child, which has only the forking thread, would wait for it forever. There are two,
// taken in this order (docs/ARCHITECTURE.md, "Threads and fork"): the client context's (held
// while it is first built) and the registry's (all socket state). The fake-address table, the
// unreachable-server marks and the log are lock-free.
void before_fork() {
  client::lock_context();
  client::lock_registry();
}

void after_fork() {
  client::unlock_registry();
  client::unlock_context();
}

void start_layer(const RealCalls& r) {
  client::SysCalls calls{r.connect,    r.bind, r.listen, r.accept4, r.getsockname, r.getpeername,
                         r.getsockopt, r.poll, r.close,  r.send,    r.recv,        r.rcmd};
  client::set_sys_calls(calls);
  client::set_program_name(program_invocation_short_name);
  client::set_notice_program("socksify");
  pthread_atfork(before_fork, after_fork, after_fork);
  client::map_remote_names();
}

}  // namespace

const RealCalls& real() {
  static const RealCalls calls = [] {
    RealCalls r = resolve_all();
    start_layer(r);
    return r;
  }();
  return calls;
}

namespace {
// At load time, before the program runs (and so before it can fork or start threads).
__attribute__((constructor)) void start_at_load() {
  real();
}
}  // namespace

}  // namespace socks4::preload
