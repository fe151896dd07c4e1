// Default system call table: libc.
#include "socks4/client_sys.h"

#include <unistd.h>

namespace socks4::client {
namespace {

SysCalls g_calls = {
    &::connect, &::bind,  &::listen, &::accept, &::getsockname, &::getsockopt,
    &::poll,    &::close, &::send,   &::recv,   &::rcmd,
};

}  // namespace

const SysCalls& sys() {
  return g_calls;
}
void set_sys_calls(const SysCalls& calls) {
  g_calls = calls;
}

}  // namespace socks4::client
