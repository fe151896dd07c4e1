// Connection rate: each of --clients slots loops connect -> (SOCKS4 CONNECT) -> 1-byte echo ->
// server closes -> EOF reaches the client -> client closes, for --seconds (--target is the
// serve process's ping port); the figure is completed cycles per second. All slots share one
// thread and one epoll set. Connections still in flight at the deadline are not counted.
#include <cstdio>
#include <vector>

#include "echo_client.h"
#include "modes.h"
#include "proc_stats.h"

namespace socksbench {

int run_connrate(const Options& options) {
  std::vector<uint8_t> request;
  if (options.proxy) request = socks_connect_request(*options.target);
  const sockaddr_in& first_hop = options.proxy ? *options.proxy : *options.target;

  Epoll epoll;
  std::vector<EchoClient> clients;
  clients.reserve(options.clients);
  for (int i = 0; i < options.clients; ++i) {
    clients.emplace_back(first_hop, options.proxy ? &request : nullptr, true);
  }
  uint64_t completed = 0, failed = 0;
  auto restart = [&](size_t i) {
    while (clients[i].start(epoll, i) == EchoClient::State::kFailed && failed < 1000) ++failed;
  };

  const CpuMeter cpu(options.pid);
  const double start = now_seconds();
  const double deadline = start + options.seconds;
  for (size_t i = 0; i < clients.size(); ++i) restart(i);
  epoll_event events[64];
  for (double now = start; now < deadline && failed < 1000; now = now_seconds()) {
    int n = epoll.wait(events, 64, millis_until(deadline, now));
    for (int e = 0; e < n; ++e) {
      size_t i = events[e].data.u64;
      auto state = clients[i].advance(events[e].events);
      if (state != EchoClient::State::kDone && state != EchoClient::State::kFailed) continue;
      (state == EchoClient::State::kDone ? completed : failed)++;
      clients[i].close();
      restart(i);
    }
  }
  double seconds = now_seconds() - start;
  const std::string cpu_use = cpu.summary();
  std::printf(
      "mode=connrate label=%s clients=%d completed=%llu failed=%llu seconds=%.3f "
      "conn_per_s=%.1f usec_per_conn=%.1f %s\n",
      options.label.c_str(), options.clients, static_cast<unsigned long long>(completed),
      static_cast<unsigned long long>(failed), seconds, completed / seconds,
      completed ? seconds * 1e6 * options.clients / completed : 0.0, cpu_use.c_str());
  if (failed >= 1000) std::fputs("socksbench connrate: too many failures, gave up\n", stderr);
  return failed < 1000 && completed > 0 ? 0 : 1;
}

}  // namespace socksbench
