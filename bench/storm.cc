// The 4a lookup storm's client (`make bench`, method in docs/BENCHMARKS.md): for --seconds,
// rounds of --count concurrent SOCKS4a CONNECTs through --proxy to the port of --target, the
// names taken in turn from --names (a name ending in ".slow" gets a unique prefix per request,
// so no cache can answer it). Each connection reads its reply and closes; a round ends when
// every lookup has its answer or 10 s have passed. One epoll thread, so that on a 2-core box
// the storm costs little CPU of its own: what slows the concurrent relay is sockd's work.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "epoll.h"
#include "modes.h"
#include "net.h"
#include "socks4/proto.h"

namespace socksbench {
namespace {

constexpr double kLookupTimeout = 10;

struct Lookup {
  UniqueFd fd;
  std::vector<uint8_t> request;
  size_t sent = 0;
  uint8_t reply[socks4::kReplySize] = {};
  size_t received = 0;
  bool done = false;
  bool granted = false;
  bool awaiting_reply = false;  // the request is out: watched for reading only
};

std::vector<uint8_t> socks4a_request(const std::string& name, uint16_t port) {
  socks4::Request request;
  request.command = socks4::Command::kConnect;
  request.port = port;
  request.user_id = "storm";
  request.hostname = name;
  return socks4::encode_request(request);
}

// Sends what is left of the request, or reads what is there of the reply; true once done.
bool step(Lookup& lookup) {
  if (lookup.sent < lookup.request.size()) {
    if (socket_error(lookup.fd.get()) != 0) return true;
    ssize_t n = send(lookup.fd.get(), lookup.request.data() + lookup.sent,
                     lookup.request.size() - lookup.sent, MSG_NOSIGNAL);
    if (n < 0) return errno != EAGAIN && errno != EINTR;
    lookup.sent += static_cast<size_t>(n);
    return false;
  }
  ssize_t n = recv(lookup.fd.get(), lookup.reply + lookup.received,
                   sizeof lookup.reply - lookup.received, 0);
  if (n < 0) return errno != EAGAIN && errno != EINTR;
  if (n == 0) return true;
  lookup.received += static_cast<size_t>(n);
  if (lookup.received < sizeof lookup.reply) return false;
  lookup.granted = reply_granted(lookup.reply);
  return true;
}

struct Totals {
  long rounds = 0;
  long requests = 0;
  long granted = 0;
  double worst = 0;
};

void run_round(const Options& options, const sockaddr_in& proxy, long& serial, Totals& totals) {
  const uint16_t port = ntohs(options.target->sin_port);
  const double started = now_seconds();
  std::vector<Lookup> batch(static_cast<size_t>(options.count));
  Epoll epoll;
  size_t pending = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    std::string name = options.names[i % options.names.size()];
    if (name.ends_with(".slow")) name = "q" + std::to_string(++serial) + "." + name;
    batch[i].request = socks4a_request(name, port);
    batch[i].fd = start_connect(proxy);
    if (batch[i].request.empty() || !batch[i].fd ||
        !epoll.add(batch[i].fd.get(), EPOLLOUT | EPOLLIN, i)) {
      batch[i].done = true;
      batch[i].fd.reset();
      continue;
    }
    ++pending;
  }
  const double deadline = started + kLookupTimeout;
  epoll_event events[256];
  while (pending > 0 && now_seconds() < deadline) {
    int ready = epoll.wait(events, 256, millis_until(deadline, now_seconds()));
    for (int e = 0; e < ready; ++e) {
      const uint64_t index = events[e].data.u64;
      Lookup& lookup = batch[index];
      if (lookup.done) continue;
      if (!step(lookup)) {
        // Level-triggered: stop asking about writability once there is nothing left to send.
        if (!lookup.awaiting_reply && lookup.sent == lookup.request.size()) {
          lookup.awaiting_reply = epoll.modify(lookup.fd.get(), EPOLLIN, index);
        }
        continue;
      }
      lookup.done = true;
      lookup.fd.reset();  // closing also takes it out of the epoll set
      --pending;
      totals.worst = std::max(totals.worst, now_seconds() - started);
      if (lookup.granted) ++totals.granted;
    }
  }
  if (pending > 0) totals.worst = std::max(totals.worst, now_seconds() - started);
  totals.rounds += 1;
  totals.requests += static_cast<long>(batch.size());
}

}  // namespace

int run_storm(const Options& options) {
  if (!options.proxy || options.names.empty() || options.count <= 0) {
    std::fprintf(stderr, "socksbench storm: needs --proxy, --names and --count\n");
    return 2;
  }
  raise_fd_limit();
  Totals totals;
  long serial = 0;
  const double deadline = now_seconds() + options.seconds;
  while (now_seconds() < deadline) run_round(options, *options.proxy, serial, totals);
  std::printf("mode=storm rounds=%ld requests=%ld granted=%ld failed=%ld worst_reply_ms=%.0f\n",
              totals.rounds, totals.requests, totals.granted, totals.requests - totals.granted,
              totals.worst * 1000);
  return totals.granted == totals.requests ? 0 : 1;
}

}  // namespace socksbench
