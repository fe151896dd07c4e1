#include "proxy_handshake.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "acceptor.h"
#include "log.h"
#include "monotonic_clock.h"
#include "proxy_header.h"
#include "socks4/errno_result.h"
#include "worker.h"

namespace sockd {

ProxyHandshake::ProxyHandshake(Worker& worker, socks4::UniqueFd connection,
                               const Endpoint& balancer, int timeout_s, ClientSlot slot)
    : worker_(worker),
      connection_(std::move(connection)),
      balancer_(balancer),
      timeout_s_(timeout_s),
      deadline_ms_(monotonic_ms() + int64_t{timeout_s} * 1000),
      slot_(std::move(slot)) {}

void ProxyHandshake::start(std::list<ProxyHandshake>::iterator self) {
  self_ = self;
  event_base* base = worker_.base();
  // Edge-triggered: a peek leaves the bytes in the socket, so only new bytes wake us again.
  read_event_.reset(event_new(base, connection_.get(), EV_READ | EV_PERSIST | EV_ET,
                              &ProxyHandshake::on_readable, this));
  timer_.reset(evtimer_new(base, &ProxyHandshake::on_timeout, this));
  if (!read_event_ || !timer_ || event_add(read_event_.get(), nullptr) != 0 ||
      evtimer_add(timer_.get(), worker_.timeout(timeout_s_)) != 0) {
    refuse(stats::Reason::kLimit, "cannot register events -> closed", false);
    return;
  }
  // The header usually comes with the connection.
  read_header();
}

void ProxyHandshake::on_readable(evutil_socket_t, short, void* arg) {
  static_cast<ProxyHandshake*>(arg)->read_header();
}

void ProxyHandshake::on_timeout(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<ProxyHandshake*>(arg);
  self->refuse(stats::Reason::kTimeout,
               "PROXY header timed out after " + std::to_string(self->timeout_s_) + "s -> closed",
               false);
}

void ProxyHandshake::read_header() {
  uint8_t buffer[proxy_header::kMaxSize];
  ssize_t n;
  do {
    n = recv(connection_.get(), buffer, sizeof buffer, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && socks4::would_block(errno)) return;
  if (n < 0) {
    refuse(stats::Reason::kMalformed,
           std::string("read failed before the PROXY header: ") + strerror(errno) + " -> closed",
           false);
    return;
  }
  if (n == 0) {
    refuse(stats::Reason::kMalformed, "closed the connection before its PROXY header -> closed",
           false);
    return;
  }
  const proxy_header::Result result = proxy_header::parse({buffer, static_cast<size_t>(n)});
  if (result.status == proxy_header::Status::kNeedMore) return;  // the parser bounds the size
  if (result.status == proxy_header::Status::kMalformed) {
    refuse(stats::Reason::kMalformed, "bad PROXY header: " + result.error + " -> rejected", true);
    return;
  }
  // Take exactly the header; it is all in the socket already (peeked).
  ssize_t taken;
  do {
    taken = recv(connection_.get(), buffer, result.consumed, 0);
  } while (taken < 0 && errno == EINTR);
  if (taken != static_cast<ssize_t>(result.consumed)) {
    refuse(stats::Reason::kMalformed, "cannot take the PROXY header from the socket -> closed",
           false);
    return;
  }
  const proxy_header::Header& header = result.header;
  const Endpoint client = header.local ? balancer_ : header.source;
  std::optional<Endpoint> reached;
  if (!header.local) reached = header.destination;
  char client_text[Endpoint::kTextSize];
  char balancer_text[Endpoint::kTextSize];
  log::debug("%s came through %s (PROXY v%d%s)", client.format(client_text),
             balancer_.format(balancer_text), header.version, header.local ? ", LOCAL" : "");
  socks4::UniqueFd connection = std::move(connection_);
  ProxiedClient proxied{std::move(slot_), reached, deadline_ms_};
  Worker& worker = worker_;
  read_event_.reset();
  worker.end_handshake(self_);  // destroys *this
  worker.accept_proxied(std::move(connection), client, std::move(proxied));
}

void ProxyHandshake::refuse(stats::Reason why, const std::string& what, bool reply) {
  char balancer_text[Endpoint::kTextSize];
  // Logged before the reply, like every refusal.
  log::info("%s %s", balancer_.format(balancer_text), what.c_str());
  worker_.stats().refused_early(why, balancer_text, what);
  read_event_.reset();
  if (reply) reject_at_once(connection_.get());
  worker_.end_handshake(self_);  // destroys *this, closing the connection
}

}  // namespace sockd
