#include "echo_process.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <unordered_map>

#include "socket_io.h"
#include "socks4/unique_fd.h"

namespace socks4::test {
namespace {

struct Connection {
  std::string pending;  // read but not yet echoed (the client is not reading)
  bool eof = false;
};

void close_connection(int epoll, int fd, std::unordered_map<int, Connection>& connections) {
  epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  connections.erase(fd);
}

// Echoes what is pending, then reads and echoes until the socket would block. False once the
// connection is finished (closed here).
bool serve(int epoll, int fd, std::unordered_map<int, Connection>& connections) {
  Connection& c = connections[fd];
  char buffer[65536];
  for (;;) {
    while (!c.pending.empty()) {
      ssize_t n = send(fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EAGAIN) return true;  // EPOLLOUT comes back for the rest
      if (n <= 0) {
        close_connection(epoll, fd, connections);
        return false;
      }
      c.pending.erase(0, static_cast<size_t>(n));
    }
    if (c.eof) {
      close_connection(epoll, fd, connections);
      return false;
    }
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EAGAIN) return true;
    if (n < 0) {
      close_connection(epoll, fd, connections);
      return false;
    }
    if (n == 0) {
      c.eof = true;
      continue;
    }
    c.pending.assign(buffer, static_cast<size_t>(n));
  }
}

[[noreturn]] void run_child(int listener) {
  int epoll = epoll_create1(0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  std::unordered_map<int, Connection> connections;
  epoll_event ready[256];
  for (;;) {
    int count = epoll_wait(epoll, ready, 256, -1);
    for (int i = 0; i < count; ++i) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        for (;;) {
          int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (client < 0) break;
          epoll_event e{};
          e.events = EPOLLIN | EPOLLOUT | EPOLLET;
          e.data.fd = client;
          epoll_ctl(epoll, EPOLL_CTL_ADD, client, &e);
          connections[client];
        }
      } else if (connections.count(fd)) {
        serve(epoll, fd, connections);
      }
    }
  }
}

}  // namespace

EchoProcess::EchoProcess() {
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in address = make_address(INADDR_LOOPBACK, 0);
  if (!listener ||
      bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener.get(), 4096) != 0)
    return;
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    run_child(listener.get());
  }
  pid_ = pid;
  port_ = local_port(listener.get());
}

EchoProcess::~EchoProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);  // SIGKILL cannot be ignored: this returns promptly
}

}  // namespace socks4::test
