// Readiness check: one round trip to the ping server (through the proxy when given), retried
// until --timeout. run.sh uses it to wait for a server to come up and to prove each path works.
#include <unistd.h>

#include <cstdio>

#include "echo_client.h"
#include "modes.h"

namespace socksbench {

int run_probe(const Options& options) {
  std::vector<uint8_t> request;
  if (options.proxy) request = socks_connect_request(*options.target);
  const double deadline = now_seconds() + options.timeout;
  while (now_seconds() < deadline) {
    Epoll epoll;
    EchoClient client(options.proxy ? *options.proxy : *options.target,
                      options.proxy ? &request : nullptr, true);
    auto state = client.start(epoll, 0);
    epoll_event events[4];
    const double attempt_end = now_seconds() + 2;
    for (double now = now_seconds(); state != EchoClient::State::kDone &&
                                     state != EchoClient::State::kFailed && now < attempt_end;
         now = now_seconds()) {
      int n = epoll.wait(events, 4, millis_until(attempt_end, now));
      for (int e = 0; e < n; ++e) state = client.advance(events[e].events);
    }
    if (state == EchoClient::State::kDone) {
      std::printf("mode=probe label=%s ok=1\n", options.label.c_str());
      return 0;
    }
    usleep(100 * 1000);
  }
  std::fprintf(stderr, "socksbench probe %s: no echo within %.0fs\n", options.label.c_str(),
               options.timeout);
  return 1;
}

}  // namespace socksbench
