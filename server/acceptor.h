// Accepts clients on one worker's listening sockets. When the process runs out of descriptors
// (EMFILE/ENFILE) a client would wait in the listen queue with no answer, and the listening
// socket would stay readable, so a level-triggered loop would spin. A descriptor from the
// shared reserve is given up for a moment to accept that client and answer it 91; when the
// reserve is empty too, accepting pauses and resumes on a timer.
#pragma once

#include <functional>
#include <vector>

#include "descriptor_reserve.h"
#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/unique_fd.h"

namespace sockd {

// Answers a client that is refused before any session exists (out of descriptors, over
// max_connections) with 91 at once. What the client has sent is read first, so that its
// close is a FIN rather than a reset, which could overtake the reply on its way.
void reject_at_once(int client);

class Acceptor {
 public:
  // `proxy_protocol`: the client came on a listener whose connections start with a PROXY
  // header (`listen ... proxy_protocol`).
  using OnClient =
      std::function<void(socks4::UniqueFd client, const Endpoint& peer, bool proxy_protocol)>;

  // `proxy_protocol[i]` marks sockets[i] (missing entries: false).
  Acceptor(event_base* base, std::vector<socks4::UniqueFd> sockets, DescriptorReserve& reserve,
           OnClient on_client, const std::vector<bool>& proxy_protocol = {});
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  bool start();

 private:
  struct Listener {
    socks4::UniqueFd socket;
    EventPtr event;
    bool proxy_protocol = false;
  };
  static void on_readable(evutil_socket_t fd, short, void* arg);
  bool takes_proxy_protocol(int fd) const;
  static void on_resume(evutil_socket_t, short, void* arg);
  void accept_from(int fd);
  // Accepts one waiting client on a reserve descriptor and answers it 91; false if the
  // reserve ran out before a client could be accepted.
  bool refuse_one(int fd);
  void pause(int error);

  event_base* base_;
  std::vector<Listener> listeners_;
  DescriptorReserve& reserve_;
  OnClient on_client_;
  EventPtr resume_timer_;
  bool paused_ = false;
  // Pauses since the last successful accept: the first is logged, and so is the recovery,
  // rather than one warning per pause (five a second per thread while out of descriptors).
  long pauses_ = 0;
};

}  // namespace sockd
