// The BPF program of seccomp_filter.h, for x86-64.
#include "seccomp_filter.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace socks4::supervisor {
namespace {

#if !defined(__x86_64__)
#error "the supervisor's filter knows x86-64 system call numbers only"
#endif

constexpr uint32_t kX32Bit = 0x40000000;
// i386 numbers (a 32-bit program, or int 0x80 from a 64-bit one): socketcall and the direct
// socket calls of Linux 4.3+, sendmmsg, io_uring_setup.
constexpr uint32_t kI386SocketCalls[] = {102, 345, 361, 362, 363, 364, 369, 370, 425};

constexpr uint32_t kNotified[] = {__NR_connect, __NR_bind,        __NR_listen,     __NR_accept,
                                  __NR_accept4, __NR_getsockname, __NR_getpeername};

uint32_t argument_low(int index) {
  return static_cast<uint32_t>(offsetof(seccomp_data, args) + index * sizeof(uint64_t));
}

class Program {
 public:
  void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void ret(uint32_t action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  // if (A == value) skip `skip_if` instructions, else none.
  void jump_equal(uint32_t value, uint8_t skip_if, uint8_t skip_else = 0) {
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, skip_if, skip_else));
  }
  void jump_set(uint32_t bits, uint8_t skip_if, uint8_t skip_else = 0) {
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, bits, skip_if, skip_else));
  }
  void jump_at_least(uint32_t value, uint8_t skip_if, uint8_t skip_else = 0) {
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, value, skip_if, skip_else));
  }
  // The instructions of one system call: `body` runs when nr matches, else it is skipped.
  template <typename Body>
  void on_call(uint32_t nr, Body body) {
    load(offsetof(seccomp_data, nr));
    size_t jump = code_.size();
    jump_equal(nr, 0, 0);
    size_t start = code_.size();
    body();
    code_[jump].jf = static_cast<uint8_t>(code_.size() - start);
  }
  std::vector<sock_filter>& code() { return code_; }

 private:
  std::vector<sock_filter> code_;
};

constexpr uint32_t errno_action(int error) {
  return SECCOMP_RET_ERRNO | (static_cast<uint32_t>(error) & SECCOMP_RET_DATA);
}

std::vector<sock_filter> build_program() {
  Program p;
  // A 32-bit system call: no socket call, the rest allowed.
  p.load(offsetof(seccomp_data, arch));
  {
    size_t jump = p.code().size();
    p.jump_equal(AUDIT_ARCH_X86_64, 0, 0);
    size_t start = p.code().size();
    p.load(offsetof(seccomp_data, nr));
    for (uint32_t nr : kI386SocketCalls) {
      p.jump_equal(nr, 0, 1);
      p.ret(errno_action(EACCES));
    }
    p.ret(SECCOMP_RET_ALLOW);
    p.code()[jump].jt = static_cast<uint8_t>(p.code().size() - start);
  }
  p.load(offsetof(seccomp_data, nr));
  p.jump_at_least(kX32Bit, 0, 1);
  p.ret(errno_action(ENOSYS));
  p.jump_equal(__NR_io_uring_setup, 0, 1);
  p.ret(errno_action(ENOSYS));
  for (uint32_t nr : kNotified) {
    p.jump_equal(nr, 0, 1);
    p.ret(SECCOMP_RET_USER_NOTIF);
  }
  // sendto: flags are argument 3, the destination argument 4 (no destination: allowed).
  p.on_call(__NR_sendto, [&] {
    p.load(argument_low(3));
    p.jump_set(MSG_FASTOPEN, 0, 1);
    p.ret(errno_action(EOPNOTSUPP));
    p.load(argument_low(4));
    p.jump_equal(0, 1, 0);  // low half zero: look at the high half
    p.ret(SECCOMP_RET_USER_NOTIF);
    p.load(argument_low(4) + 4);
    p.jump_equal(0, 0, 1);
    p.ret(SECCOMP_RET_ALLOW);
    p.ret(SECCOMP_RET_USER_NOTIF);
  });
  // recvfrom asking for the source (argument 4): a DNS answer must seem to come from the
  // nameserver the program asked, not from the supervisor's DNS server.
  p.on_call(__NR_recvfrom, [&] {
    p.load(argument_low(4));
    p.jump_equal(0, 1, 0);
    p.ret(SECCOMP_RET_USER_NOTIF);
    p.load(argument_low(4) + 4);
    p.jump_equal(0, 0, 1);
    p.ret(SECCOMP_RET_ALLOW);
    p.ret(SECCOMP_RET_USER_NOTIF);
  });
  // sendmsg: flags are argument 2; the destination is inside the msghdr (the supervisor looks).
  p.on_call(__NR_sendmsg, [&] {
    p.load(argument_low(2));
    p.jump_set(MSG_FASTOPEN, 0, 1);
    p.ret(errno_action(EOPNOTSUPP));
    p.ret(SECCOMP_RET_USER_NOTIF);
  });
  p.on_call(__NR_sendmmsg, [&] {
    p.load(argument_low(3));
    p.jump_set(MSG_FASTOPEN, 0, 1);
    p.ret(errno_action(EOPNOTSUPP));
    p.ret(SECCOMP_RET_ALLOW);
  });
  p.ret(SECCOMP_RET_ALLOW);
  return p.code();
}

}  // namespace

int install_notifying_filter() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  std::vector<sock_filter> code = build_program();
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  // WAIT_KILLABLE_RECV: once the supervisor has a notification, a signal (Go's preemption
  // SIGURG) no longer interrupts the call and makes the program repeat a half-done connect.
  int listener = static_cast<int>(
      syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
              SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &program));
  if (listener < 0 && errno == EINVAL) {  // before Linux 5.19
    listener = static_cast<int>(
        syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
  }
  return listener;
}

}  // namespace socks4::supervisor
