// An asynchronous RFC 1413 query on a worker's event loop: connects from the address the
// client connected to (so a multi-homed host asks from the right side) to CLIENT:113, sends
// "<client port> , <sockd port>", reads one answer line of at most 1 KiB, all within a time
// limit. It never reports from inside start() (deferred_call.h), and stops silently when
// destroyed.
#pragma once

#include <functional>
#include <string>

#include "conf/identd_reply.h"
#include "deferred_call.h"
#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/unique_fd.h"

namespace sockd {

struct IdentdResult {
  bool answered = false;  // identd gave a well-formed answer (USERID or ERROR)
  socks4::identd::Answer answer;
  std::string failure;  // when !answered: why there is no answer ("Connection refused" ...)
};

class IdentdQuery {
 public:
  using Done = std::function<void(IdentdResult result)>;

  explicit IdentdQuery(event_base* base) : base_(base) {}
  IdentdQuery(const IdentdQuery&) = delete;
  IdentdQuery& operator=(const IdentdQuery&) = delete;

  // `client` is the SOCKS client's address and port, `local` the address and port of sockd it
  // connected to.
  void start(const Endpoint& client, const Endpoint& local, int timeout_s, Done done);

 private:
  static void on_socket(evutil_socket_t, short, void* arg);
  static void on_timeout(evutil_socket_t, short, void* arg);
  static void on_deferred(void* self);
  // Opens the socket and starts connecting; an error text, or "" when under way.
  std::string open_and_connect();
  void on_connected();
  void on_readable();
  void finish_with_failure(std::string why);
  void finish(IdentdResult result);  // deferred to the loop when called inside start()

  event_base* base_;
  Endpoint client_;
  Endpoint local_;
  socks4::UniqueFd socket_;
  EventPtr event_;  // the socket's readiness
  EventPtr timer_;
  bool connected_ = false;
  std::string received_;
  IdentdResult result_;  // a result from inside start(), until it is reported
  DeferredCall deferred_;
  Done done_;
};

}  // namespace sockd
