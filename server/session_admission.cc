// The admission of a session: the identd query (when some rule may need it), then the one path
// of CONNECT and BIND through the rules (admission.h): a plain request by its DSTIP, a 4a
// request by its name (when no rule looks at addresses) and by each address it resolves to.
// The shell command the admission calls for runs here; a refusal ends the session with its
// reply. docs/ARCHITECTURE.md, "Rules and admission".
#include <cstring>

#include "log.h"
#include "monotonic_clock.h"
#include "session.h"
#include "shell_values.h"
#include "worker.h"

namespace sockd {

void Session::ask_identd() {
  Endpoint local = local_endpoint(client_fd());
  // Behind a balancer the client's connection ended on the balancer's port: that is the one
  // its identd knows. The query still leaves from sockd's own address.
  if (proxied_destination_ && local.family != AF_UNSPEC) local.port = proxied_destination_->port;
  if (local.family == AF_UNSPEC) {
    IdentdResult result;
    result.failure = std::string("cannot read the local address: ") + strerror(errno);
    on_identd(std::move(result));
    return;
  }
  identd_query_.emplace(worker_.base());
  identd_query_->start(peer_, local, config_->config.settings.identd_timeout_s,
                       [this](IdentdResult result) { on_identd(std::move(result)); });
}

void Session::on_identd(IdentdResult result) {
  identd_ = std::move(result);
  worker_.stats().identd_answer(stats::identd_outcome(*identd_));
  const socks4::identd::Answer& answer = identd_->answer;
  if (!identd_->answered) {
    // The failure text is sockd's own (no bytes from the identd in it).
    log::info("%s identd: no answer (%s)", peer_text_.c_str(), identd_->failure.c_str());
  } else if (answer.kind == socks4::identd::AnswerKind::kUser) {
    log::info("%s identd: user %s (%s)", peer_text_.c_str(), log::sanitize(answer.user).c_str(),
              log::sanitize(answer.os).c_str());
  } else {
    log::info("%s identd: ERROR %s", peer_text_.c_str(), log::sanitize(answer.detail).c_str());
  }
  admit();
}

AdmissionRequest Session::admission_request() const {
  return sockd::admission_request(parser_.request(), peer_.rule_address(),
                                  identd_ ? &*identd_ : nullptr);
}

void Session::admit() {
  const auto& settings = config_->config.settings;
  deadline_ms_ = monotonic_ms() + int64_t{settings.connect_timeout_s} * 1000;
  evtimer_add(timer_.get(), worker_.timeout(settings.connect_timeout_s));
  const socks4::Request& request = parser_.request();
  if (!request.is_4a()) {
    Admission admission = admit_address(config_->config, admission_request(),
                                        Endpoint::ipv4(request.ip, request.port));
    if (settle(admission)) proceed(std::move(admission));
    return;
  }
  // When no rule looks at destination addresses, the name decides: no DNS for a denied request.
  bool name_admitted = false;
  if (!config_->rules_need_resolved_address) {
    if (!settle(admit_name(config_->config, admission_request()))) return;
    name_admitted = true;
  }
  if (route_name_first(name_admitted)) return;
  lookup_started_us_ = stats::monotonic_us();
  lookup_.start(worker_.base(), worker_.dns(), request.hostname,
                [this, name_admitted](int error, AddrinfoPtr result) {
                  on_resolved(error, std::move(result), name_admitted);
                });
}

void Session::on_resolved(int error, AddrinfoPtr result, bool name_admitted) {
  const socks4::Request& request = parser_.request();
  worker_.stats().dns_lookup(error, lookup_started_us_);
  if (error != 0) {
    if (pass_on_unresolved(error, name_admitted)) return;
    reject(stats::Reason::kResolve, "cannot resolve " + log::sanitize(request.hostname) + ": " +
                                        DnsLookup::error_text(error));
    return;
  }
  std::vector<Endpoint> resolved;
  for (const evutil_addrinfo* info = result.get(); info; info = info->ai_next)
    resolved.push_back(Endpoint::from_sockaddr(info->ai_addr));
  Admission admission =
      admit_resolved(config_->config, admission_request(), std::move(resolved), name_admitted);
  log::debug("%s %s: %zu usable addresses", peer_text_.c_str(),
             log::sanitize(request.hostname).c_str(), admission.addresses.size());
  if (admission.refusal.empty() && !admission.permitted()) {
    // A BIND can only name an IPv4 address in its reply.
    admission.refusal =
        "cannot resolve " + log::sanitize(request.hostname) +
        (request.command == socks4::Command::kBind ? ": no IPv4 address" : ": no address");
  }
  if (settle(admission)) proceed(std::move(admission));
}

bool Session::settle(const Admission& admission) {
  run_command(admission.command);
  if (admission.decided_by) worker_.stats().rule_hit(admission.decided_by->line);
  if (!admission.permitted()) {
    reject(stats::reason_of(admission.code, admission.refusal), admission.refusal, admission.code);
    return false;
  }
  if (admission.rule)
    log::debug("%s permitted by rule, line %d", peer_text_.c_str(), admission.rule->line);
  return true;
}

void Session::run_command(const AdmissionCommand& command) {
  if (!command.text) return;
  AdmissionRequest request = admission_request();
  request.input.destination = command.destination;
  auto expanded = socks4::expand_shell_template(*command.text,
                                                shell_values(request.input, peer_.address_text()));
  if (!expanded) {
    log::warning("%s shell command of %s not run: longer than %zu bytes once expanded",
                 peer_text_.c_str(), command.what.c_str(), socks4::kMaxExpandedCommand);
    return;
  }
  log::debug("%s runs the shell command of %s: %s", peer_text_.c_str(), command.what.c_str(),
             log::sanitize(*expanded).c_str());
  worker_.context().shell.run(*expanded, command.what, config_->config.settings.shell_timeout_s);
}

void Session::proceed(Admission admission) {
  if (route_outbound(admission)) return;
  if (parser_.request().command == socks4::Command::kBind) {
    bind_to(admission);
  } else {
    connect_to(std::move(admission.addresses));
  }
}

}  // namespace sockd
