// The rule check of a session: the identd query (when some rule may need it), the verdict of
// the rules (rule_verdict.h), and the shell command the verdict calls for.
#include <cstring>

#include "log.h"
#include "session.h"
#include "shell_values.h"
#include "worker.h"

namespace sockd {

void Session::ask_identd() {
  const Endpoint local = local_endpoint(client_fd());
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
  serve_request();
}

std::string Session::check_rules(std::optional<socks4::IpAddress> destination) {
  const socks4::Request& request = parser_.request();
  socks4::conf::MatchInput input;
  input.command = request.command;
  input.source = peer_.rule_address();
  input.destination = destination;
  input.destination_name = request.hostname;
  input.destination_port = request.port;
  input.user = request.user_id;
  std::string identd_failure = "identd not asked";
  if (identd_) {
    const socks4::identd::Answer& answer = identd_->answer;
    if (!identd_->answered) {
      identd_failure = identd_->failure;
    } else if (answer.kind == socks4::identd::AnswerKind::kUser) {
      input.identd_user = answer.user;
    } else {
      identd_failure = "identd answered ERROR " + log::sanitize(answer.detail);
    }
  }
  RuleVerdict verdict = decide(config_->config, input, identd_failure);
  if (verdict.permitted()) {
    log::debug("%s permitted by rule, line %d", peer_text_.c_str(), verdict.rule->line);
    if (!verdict_settled_) run_command(verdict, destination);
    verdict_settled_ = true;
    rejection_code_ = socks4::ReplyCode::kRejected;  // later failures are plain 91s
    return {};
  }
  if (!verdict_settled_ && !first_denial_) {
    first_denial_ = verdict;
    first_denial_destination_ = destination;
    rejection_code_ = verdict.code;
  }
  return verdict.reason;
}

void Session::settle_denial() {
  if (verdict_settled_ || !first_denial_) return;
  verdict_settled_ = true;
  run_command(*first_denial_, first_denial_destination_);
}

std::vector<Endpoint> Session::permitted_addresses(const evutil_addrinfo* result, uint16_t port,
                                                   std::string* first_denial) {
  std::vector<Endpoint> permitted;
  for (const evutil_addrinfo* info = result; info; info = info->ai_next) {
    Endpoint address = Endpoint::from_sockaddr(info->ai_addr);
    if (address.family == AF_UNSPEC) continue;
    address.port = port;
    // Every address, even when the name alone was permitted before the lookup: the rules
    // may not have looked at addresses, but some destinations are never allowed.
    if (std::string denial = check_rules(address.rule_address()); !denial.empty()) {
      if (first_denial->empty()) *first_denial = denial;
      continue;
    }
    permitted.push_back(address);
  }
  return permitted;
}

void Session::run_command(const RuleVerdict& verdict,
                          std::optional<socks4::IpAddress> destination) {
  std::string what;
  const std::string& command = command_for(config_->config, verdict, &what);
  if (command.empty()) return;
  const socks4::Request& request = parser_.request();
  socks4::conf::MatchInput input;
  input.command = request.command;
  input.destination = destination;
  input.destination_name = request.hostname;
  input.destination_port = request.port;
  input.user = request.user_id;
  if (identd_ && identd_->answered && identd_->answer.kind == socks4::identd::AnswerKind::kUser)
    input.identd_user = identd_->answer.user;
  auto expanded = socks4::expand_shell_template(command, shell_values(input, peer_.address_text()));
  if (!expanded) {
    log::warning("%s shell command of %s not run: longer than %zu bytes once expanded",
                 peer_text_.c_str(), what.c_str(), socks4::kMaxExpandedCommand);
    return;
  }
  log::debug("%s runs the shell command of %s: %s", peer_text_.c_str(), what.c_str(),
             log::sanitize(*expanded).c_str());
  worker_.context().shell.run(*expanded, what, config_->config.settings.shell_timeout_s);
}

}  // namespace sockd
