// Accepts clients on one worker's listening sockets. When the process runs out of descriptors
// (EMFILE/ENFILE) the listening socket stays readable, so a level-triggered loop would spin:
// accepting pauses instead and resumes on a timer.
#pragma once

#include <functional>
#include <vector>

#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/unique_fd.h"

namespace sockd {

class Acceptor {
 public:
  using OnClient = std::function<void(socks4::UniqueFd client, const Endpoint& peer)>;

  Acceptor(event_base* base, std::vector<socks4::UniqueFd> sockets, OnClient on_client);
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  bool start();

 private:
  struct Listener {
    socks4::UniqueFd socket;
    EventPtr event;
  };
  static void on_readable(evutil_socket_t fd, short, void* arg);
  static void on_resume(evutil_socket_t, short, void* arg);
  void accept_from(int fd);
  void pause(int error);

  event_base* base_;
  std::vector<Listener> listeners_;
  OnClient on_client_;
  EventPtr resume_timer_;
  bool paused_ = false;
  // Pauses since the last successful accept: the first is logged, and so is the recovery,
  // rather than one warning per pause (five a second per thread while out of descriptors).
  long pauses_ = 0;
};

}  // namespace sockd
