#include "worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log.h"
#include "outbound_route.h"
#include "stats/worker_snapshot.h"

namespace sockd {
namespace {

// Idle pipes and buffers kept per thread; the rest are freed when returned.
constexpr size_t kIdlePipes = 16;
constexpr size_t kIdleBuffers = 8;
constexpr int kPipeSize = 1 << 20;
constexpr uint32_t kBufferSize = 128 << 10;

}  // namespace

Worker::Worker(ServerContext& context, int index, std::vector<socks4::UniqueFd> listen_sockets,
               std::vector<bool> proxy_protocol)
    : context_(context),
      index_(index),
      listen_sockets_(std::move(listen_sockets)),
      proxy_protocol_(std::move(proxy_protocol)),
      pools_{context.use_splice, PipePool(kIdlePipes, kPipeSize),
             BufferPool(kIdleBuffers, kBufferSize)} {}

Worker::~Worker() {
  join();
  // Connections go before the resolver (their lookups cancel into it) and the base.
  acceptor_.reset();
  handshakes_.clear();
  sessions_.clear();
  relays_.clear();
  // Cancelled lookups may have deferred callbacks that free their tokens: let them run.
  if (base_) event_base_loop(base_.get(), EVLOOP_NONBLOCK);
  control_event_.reset();
  dns_.reset();
  // evdns_base_free cancels a probe still in flight to a name server it thinks is down by
  // scheduling the probe's callback, which frees the request: only the loop runs it. On a
  // cancel that callback touches nothing of the freed resolver.
  if (base_) event_base_loop(base_.get(), EVLOOP_NONBLOCK);
}

bool Worker::init(std::string* error) {
  EventConfigPtr config(event_config_new());
  // Relays rely on edge-triggered readiness (epoll).
  if (!config || event_config_require_features(config.get(), EV_FEATURE_ET) != 0) {
    *error = "cannot configure libevent";
    return false;
  }
  // No other thread touches this base. No epoll changelist: it defers the epoll_ctl of a
  // deleted event to the next loop pass, after the socket is closed, when another worker thread
  // may already own a new socket with the same descriptor number.
  event_config_set_flag(config.get(), EVENT_BASE_FLAG_NOLOCK);
  base_.reset(event_base_new_with_config(config.get()));
  if (!base_) {
    *error = "cannot create an event base with edge-triggered events (epoll)";
    return false;
  }
  auto active = context_.config.load();
  const auto& settings = active->config.settings;
  std::vector<std::string> warnings;
  dns_ = make_resolver(base_.get(), settings.resolv_conf, settings.hosts_file,
                       unresolved_names_fate(active->config), &warnings);
  if (!dns_) {
    *error = "cannot create the resolver";
    return false;
  }
  log_resolver_warnings(warnings);
  control_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!control_) {
    *error = std::string("eventfd: ") + strerror(errno);
    return false;
  }
  control_event_.reset(
      event_new(base_.get(), control_.get(), EV_READ | EV_PERSIST, &Worker::on_control, this));
  if (!control_event_ || event_add(control_event_.get(), nullptr) != 0) {
    *error = "cannot register the control event";
    return false;
  }
  acceptor_.emplace(
      base_.get(), std::move(listen_sockets_), context_.descriptor_reserve,
      [this](socks4::UniqueFd client, const Endpoint& peer, bool proxy_protocol) {
        if (proxy_protocol) {
          accept_balancer(std::move(client), peer);
        } else {
          accept_client(std::move(client), peer);
        }
      },
      proxy_protocol_);
  if (!acceptor_->start()) {
    *error = "cannot register the listening sockets";
    return false;
  }
  return true;
}

void Worker::start() {
  thread_ = std::thread([this] { run(); });
}

void Worker::run() {
  event_base_dispatch(base_.get());
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::request_stop() {
  stop_requested_ = true;
  wake();
}

void Worker::request_reload() {
  reload_requested_ = true;
  wake();
}

void Worker::wake() {
  uint64_t one = 1;
  ssize_t ignored = write(control_.get(), &one, sizeof one);
  (void)ignored;
}

void Worker::on_control(evutil_socket_t fd, short, void* arg) {
  auto* self = static_cast<Worker*>(arg);
  uint64_t count;
  ssize_t ignored = read(fd, &count, sizeof count);
  (void)ignored;
  if (self->stop_requested_) {
    event_base_loopbreak(self->base_.get());
    return;
  }
  if (self->reload_requested_.exchange(false)) self->reload_resolver();
  // BINDs whose primary connection closed (posted by whichever thread held it). A BIND that
  // ended meanwhile is gone from its weak handle.
  for (const std::weak_ptr<BindWaiter>& posted : self->bind_wakeups_.take_all()) {
    if (std::shared_ptr<BindWaiter> waiter = posted.lock()) waiter->primary_closed();
  }
  for (const auto& request : self->snapshots_.take_all())
    request->deliver(self->index_, stats::take_snapshot(self->stats_, self->sessions_,
                                                        self->relays_, request->with_relays()));
}

void Worker::reload_resolver() {
  auto active = context_.config.load();
  std::vector<std::string> warnings;
  sockd::reload_resolver(dns_.get(), active->config.settings.resolv_conf,
                         active->config.settings.hosts_file, unresolved_names_fate(active->config),
                         &warnings);
  log_resolver_warnings(warnings);
}

void Worker::log_resolver_warnings(const std::vector<std::string>& warnings) const {
  if (index_ != 0) return;  // every worker reads the same files: one says it
  for (const std::string& warning : warnings) log::warning("resolver: %s", warning.c_str());
}

const timeval* Worker::timeout(int seconds) {
  auto [it, inserted] = timeouts_.try_emplace(seconds, timeval{seconds, 0});
  if (inserted) {
    // libevent allows a limited number per base; a plain timeout still works past that.
    if (const timeval* common = event_base_init_common_timeout(base_.get(), &it->second))
      it->second = *common;
  }
  return &it->second;
}

void Worker::accept_balancer(socks4::UniqueFd connection, const Endpoint& balancer) {
  auto active = context_.config.load();
  const auto& settings = active->config.settings;
  const socks4::IpAddress address = balancer.rule_address();
  const bool listed = std::any_of(settings.proxy_from.begin(), settings.proxy_from.end(),
                                  [&](const auto& mask) { return mask.matches(address); });
  if (!listed) {
    // Its header is not read: anyone else could claim any client address.
    log::info("%s refused: not in proxy_from (a proxy_protocol listener) -> rejected",
              balancer.to_string().c_str());
    stats_.refused_early(stats::Reason::kRule, balancer.to_string(), "not in proxy_from");
    reject_at_once(connection.get());
    return;
  }
  // While its header is awaited the connection is the balancer's: it holds a place like any
  // client, and counts as one of the balancer's negotiations (sockd.conf(5), proxy_from).
  const int limit = settings.max_connections;
  if (limit > 0 && context_.open_clients.load(std::memory_order_relaxed) >= limit) {
    log::info("%s refused: %d clients already (max_connections) -> rejected",
              balancer.to_string().c_str(), limit);
    stats_.refused_early(stats::Reason::kLimit, balancer.to_string(), "max_connections");
    reject_at_once(connection.get());
    return;
  }
  std::optional<SourceLimits::Admitted> source =
      context_.sources.admit(balancer, 0, active->negotiations_per_source);
  if (!source) {
    stats_.refused_early(stats::Reason::kLimit, balancer.to_string(), "per-source limit");
    reject_at_once(connection.get());  // after the log line (if any) that admit() wrote
    return;
  }
  ClientSlot slot(context_.open_clients, std::move(source->negotiation));
  auto handshake = handshakes_.emplace(handshakes_.end(), *this, std::move(connection), balancer,
                                       settings.negotiate_timeout_s, std::move(slot));
  handshake->start(handshake);  // may end the handshake at once
}

void Worker::accept_proxied(socks4::UniqueFd client, const Endpoint& peer, ProxiedClient proxied) {
  accept_client(std::move(client), peer, &proxied);
}

void Worker::end_handshake(std::list<ProxyHandshake>::iterator handshake) {
  handshakes_.erase(handshake);
}

void Worker::accept_client(socks4::UniqueFd client, const Endpoint& peer, ProxiedClient* proxied) {
  auto active = context_.config.load();
  int limit = active->config.settings.max_connections;
  // A proxied client has held its place since the accept.
  if (!proxied && limit > 0 && context_.open_clients.load(std::memory_order_relaxed) >= limit) {
    // Logged before the reply, so that a client holding its 91 finds the reason written.
    log::info("%s refused: %d clients already (max_connections) -> rejected",
              peer.to_string().c_str(), limit);
    stats_.refused_early(stats::Reason::kLimit, peer.to_string(), "max_connections");
    reject_at_once(client.get());
    return;
  }
  std::optional<SourceLimits::Admitted> source =
      context_.sources.admit(peer, active->connections_per_source, active->negotiations_per_source);
  if (!source) {
    stats_.refused_early(stats::Reason::kLimit, peer.to_string(), "per-source limit");
    reject_at_once(client.get());  // after the log line (if any) that admit() wrote
    return;
  }
  ClientSlot slot;
  if (proxied) {
    proxied->slot.change_source(std::move(*source));  // the balancer's negotiation ends
    slot = std::move(proxied->slot);
  } else {
    slot = ClientSlot(context_.open_clients, std::move(*source));
  }
  auto session = sessions_.emplace(sessions_.end(), *this, std::move(client), peer,
                                   std::move(active), std::move(slot));
  if (proxied) session->set_proxied(proxied->reached, proxied->negotiation_deadline_ms);
  session->start(session);  // may end the session at once
}

void Worker::start_relay(Relay::Params params) {
  auto relay = relays_.emplace(relays_.end(), *this, std::move(params));
  if (!relay->start(relay)) {
    relays_.erase(relay);
    return;
  }
  stats_.relay_started();
}

void Worker::end_session(std::list<Session>::iterator session) {
  sessions_.erase(session);
}

void Worker::end_relay(std::list<Relay>::iterator relay) {
  relays_.erase(relay);
}

}  // namespace sockd
