#include "http_listener.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>

#include "../endpoint.h"
#include "../log.h"
#include "../monotonic_clock.h"
#include "access.h"
#include "prometheus.h"
#include "status_json.h"
#include "status_page.h"

namespace sockd::stats {

bool bind_stats_sockets(const std::vector<socks4::conf::ListenAddress>& addresses,
                        std::vector<StatsSocket>* sockets, std::string* error) {
  for (const auto& address : addresses) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const bool v6 = address.host.find(':') != std::string::npos;
    if (v6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
      in6->sin6_family = AF_INET6;
      in6->sin6_port = htons(address.port);
      inet_pton(AF_INET6, address.host.c_str(), &in6->sin6_addr);
      length = sizeof *in6;
    } else {
      auto* in = reinterpret_cast<sockaddr_in*>(&storage);
      in->sin_family = AF_INET;
      in->sin_port = htons(address.port);
      inet_pton(AF_INET, address.host.c_str(), &in->sin_addr);
      length = sizeof *in;
    }
    const std::string wanted =
        (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
    socks4::UniqueFd fd(socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int one = 1;
    if (!fd || setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        (v6 && setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
        bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
        listen(fd.get(), 64) != 0) {
      *error = "stats " + wanted + ": " + strerror(errno);
      return false;
    }
    length = sizeof storage;
    getsockname(fd.get(), reinterpret_cast<sockaddr*>(&storage), &length);
    sockets->push_back(
        {std::move(fd),
         Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage)).to_string()});
  }
  return true;
}

StatsListener::StatsListener(event_base* base, Gather gather, Allowed allowed)
    : base_(base), gather_(std::move(gather)), allowed_(std::move(allowed)) {}

StatsListener::~StatsListener() {
  http_.reset();  // frees its connections; the references kept here go next
  for (Connection& connection : connections_) bufferevent_decref(connection.socket);
}

bool StatsListener::start(std::vector<StatsSocket> sockets, std::string* error) {
  http_.reset(evhttp_new(base_));
  if (!http_) {
    *error = "stats: cannot create the HTTP server";
    return false;
  }
  evhttp* http = http_.get();
  evhttp_set_max_headers_size(http, kMaxHeaderBytes);
  evhttp_set_max_body_size(http, kMaxBodyBytes);
  evhttp_set_timeout(http, kIdleTimeoutS);
  evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_gencb(http, &StatsListener::on_request, this);
  evhttp_set_bevcb(http, &StatsListener::on_connection, this);
  // Armed only while there are connections: an idle listener costs nothing.
  sweep_timer_.reset(evtimer_new(base_, &StatsListener::on_sweep, this));
  if (!sweep_timer_) {
    *error = "stats: cannot create the connection timer";
    return false;
  }
  for (StatsSocket& socket : sockets) {
    if (!evhttp_accept_socket_with_handle(http, socket.fd.get())) {
      *error = "stats " + socket.address + ": evhttp refused the socket";
      return false;
    }
    socket.fd.release();  // evhttp's listener closes it
  }
  return true;
}

bufferevent* StatsListener::on_connection(event_base* base, void* arg) {
  auto* self = static_cast<StatsListener*>(arg);
  bufferevent* socket = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!socket) return nullptr;
  bufferevent_incref(socket);
  self->forget_freed();  // count only the connections evhttp still holds
  // Over the cap, the deadline is now: the next sweep closes it.
  const bool over = self->connections_.size() >= kMaxConnections;
  self->connections_.push_back(
      {socket, over ? 0 : monotonic_ms() + int64_t{kConnectionDeadlineS} * 1000});
  self->arm_sweep();
  return socket;
}

void StatsListener::on_sweep(evutil_socket_t, short, void* arg) {
  static_cast<StatsListener*>(arg)->sweep();
}

void StatsListener::forget_freed() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    bufferevent_event_cb event_cb = nullptr;
    bufferevent_getcb(it->socket, nullptr, nullptr, &event_cb, nullptr);
    if (event_cb) {
      ++it;
      continue;
    }
    // evhttp has freed it (freeing clears the callbacks): ours is the last reference, and
    // dropping it closes the socket.
    bufferevent_decref(it->socket);
    it = connections_.erase(it);
  }
}

void StatsListener::arm_sweep() {
  if (evtimer_pending(sweep_timer_.get(), nullptr)) return;
  const timeval period{0, kSweepMs * 1000};
  evtimer_add(sweep_timer_.get(), &period);
}

void StatsListener::sweep() {
  forget_freed();
  const int64_t now = monotonic_ms();
  for (const Connection& connection : connections_) {
    const evutil_socket_t fd = bufferevent_getfd(connection.socket);
    if (now >= connection.deadline_ms && fd >= 0) shutdown(fd, SHUT_RDWR);
  }
  if (!connections_.empty()) arm_sweep();
}

void StatsListener::on_request(evhttp_request* request, void* arg) {
  static_cast<StatsListener*>(arg)->respond(request);
}

void StatsListener::refuse(evhttp_request* request, const std::string& client) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  if (now.tv_sec != refusal_log_second_) {
    refusal_log_second_ = now.tv_sec;
    log::info("stats: %s refused (not in stats_allow) -> 403", client.c_str());
  }
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Content-Type", "text/plain; charset=utf-8");
  evbuffer* body = evbuffer_new();
  evbuffer_add_printf(body, "403 forbidden: not in stats_allow\n");
  evhttp_send_reply(request, 403, "Forbidden", body);
  evbuffer_free(body);
}

void StatsListener::respond(evhttp_request* request) {
  evhttp_connection* connection = evhttp_request_get_connection(request);
  const sockaddr* peer = connection ? evhttp_connection_get_addr(connection) : nullptr;
  const Endpoint client = peer ? Endpoint::from_sockaddr(peer) : Endpoint();
  if (!peer || !client_allowed(client.rule_address(), allowed_())) {
    refuse(request, peer ? client.address_text() : std::string("unknown client"));
    return;
  }
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  const char* path_text = uri ? evhttp_uri_get_path(uri) : nullptr;
  const std::string path = path_text ? path_text : "";
  std::string body;
  const char* type = nullptr;
  if (path == "/metrics") {
    body = render_prometheus(gather_(false));
    type = kPrometheusContentType;
  } else if (path == "/status.json") {
    body = render_status_json(gather_(true));
    type = "application/json";
  } else if (path == "/" || path == "/index.html") {
    body = render_status_page(gather_(true));
    type = "text/html; charset=utf-8";
  }
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Cache-Control", "no-store");
  evhttp_add_header(headers, "X-Content-Type-Options", "nosniff");
  evbuffer* out = evbuffer_new();
  if (!type) {
    evhttp_add_header(headers, "Content-Type", "text/plain; charset=utf-8");
    evbuffer_add_printf(out, "404 not found: try /metrics, /status.json or /\n");
    evhttp_send_reply(request, 404, "Not Found", out);
  } else {
    evhttp_add_header(headers, "Content-Type", type);
    if (path == "/" || path == "/index.html")
      evhttp_add_header(headers, "Content-Security-Policy", kStatusPagePolicy);
    evbuffer_add(out, body.data(), body.size());
    evhttp_send_reply(request, 200, "OK", out);
  }
  evbuffer_free(out);
}

}  // namespace sockd::stats
