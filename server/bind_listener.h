// The listening side of one BIND: a socket on the local address of the interface that faces
// the application server (so a multi-homed firewall announces its outside address, never
// 0.0.0.0), accepting exactly one inbound connection. The socket is closed after that accept,
// or when the owner destroys the listener (client gone, time limit passed).
#pragma once

#include <functional>
#include <string>

#include "endpoint.h"
#include "libevent_ptr.h"
#include "socks4/unique_fd.h"

namespace sockd {

class BindListener {
 public:
  // On success `error` is 0 and `socket` is the inbound connection from `peer`.
  using Accepted = std::function<void(int error, socks4::UniqueFd socket, const Endpoint& peer)>;

  explicit BindListener(event_base* base) : base_(base) {}
  BindListener(const BindListener&) = delete;
  BindListener& operator=(const BindListener&) = delete;

  // Listens on an ephemeral port of the address that faces `destination` (IPv4, host order).
  // False with a reason in `error`.
  bool open(uint32_t destination, std::string* error);
  // Where it listens (valid after open()).
  const Endpoint& address() const { return address_; }
  // Waits for the inbound connection; `done` is called once, never from inside start(), and
  // not at all if the listener is destroyed first. False if the event cannot be registered.
  bool start(Accepted done);

 private:
  static void on_readable(evutil_socket_t, short, void* arg);

  event_base* base_;
  socks4::UniqueFd socket_;
  EventPtr event_;  // declared after socket_: freed before the socket closes
  Endpoint address_;
  Accepted done_;
};

// The local address the kernel would use to reach `destination` (IPv4, host order), found by
// connecting a UDP socket (which sends nothing). AF_UNSPEC with errno set if there is no route.
Endpoint local_address_facing(uint32_t destination);

}  // namespace sockd
