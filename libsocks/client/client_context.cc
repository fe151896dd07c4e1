// Process-wide client context: environment + socks.conf, built once.
#include "socks4/client_context.h"

#include <cerrno>
#include <cstring>
#include <mutex>

#include "socks4/client_log.h"
#include "socks4/client_notice.h"
#include "socks4/client_syslog.h"
#include "socks4/client_unreachable.h"

namespace socks4::client {
namespace {

std::mutex g_mutex;
std::shared_ptr<const ClientContext> g_context;

void load_conf(const ClientEnvironment& env, ClientContext& out, std::vector<std::string>& problems,
               ConfFileReader reader) {
  errno = 0;
  std::optional<std::string> text = reader(env.conf_path);
  if (!text) {
    // The default file is optional; a file the user named must exist.
    if (env.conf_path_from_env || (errno != ENOENT && errno != 0)) {
      problems.push_back(env.conf_path + ":0:0: cannot read (" + std::strerror(errno) +
                         "); denying all but loopback");
      out.config = RoutingConfig{};
      out.refusal = env.conf_path + " cannot be read";
    }
    return;
  }
  ConfParse parsed = parse_socks_conf(*text, env.conf_path, reader);
  for (const ConfDiagnostic& d : parsed.errors) problems.push_back(d.to_string());
  if (parsed.config) {
    out.config = std::move(parsed.config);
  } else {
    problems.push_back(env.conf_path +
                       ":0:0: not used because of the errors above; denying "
                       "all but loopback");
    out.config = RoutingConfig{};
    out.refusal = env.conf_path + " has errors";
  }
}

// SOCKS_SYSLOG, or a `syslog` line in socks.conf.
bool wants_syslog(const ClientContext& ctx) {
  return ctx.env.syslog || (ctx.config && ctx.config->syslog);
}

std::shared_ptr<const ClientContext> build_process_context() {
  std::vector<std::string> problems;
  auto built = std::make_shared<ClientContext>(build_context(read_environment(), problems));
  set_debug_enabled(built->env.debug);
  set_quiet(built->env.quiet);
  set_syslog_enabled(wants_syslog(*built));
  if (built->env.banner) {
    error_log("SOCKS 4/4a client library %s", SOCKS4_VERSION);
  }
  for (const std::string& problem : problems) error_log("%s", problem.c_str());
  debug_log("socks.conf %s (%zu rules), %zu default servers, user '%s'",
            built->config ? built->env.conf_path.c_str() : "absent",
            built->config ? built->config->rules.size() : 0, built->default_servers.size(),
            built->env.username.c_str());
  return built;
}

}  // namespace

ClientContext build_context(const ClientEnvironment& env, std::vector<std::string>& problems,
                            ConfFileReader reader) {
  ClientContext out;
  out.env = env;
  if (env.server_list) {
    std::string error;
    if (auto servers = parse_server_list(*env.server_list, &error)) {
      out.default_servers = std::move(*servers);
    } else {
      // socks.conf is not consulted: its direct lines are no more to be trusted than the
      // servers the user meant to name.
      out.refusal = "SOCKS_SERVER=" + quote_for_message(*env.server_list) + " is malformed";
      problems.push_back(out.refusal + ": " + error + "; refusing every connection but loopback");
      out.config = RoutingConfig{};
      return out;
    }
  }
  load_conf(env, out, problems, reader);
  return out;
}

std::shared_ptr<const ClientContext> context() {
  std::lock_guard lock(g_mutex);
  if (!g_context) g_context = build_process_context();
  return g_context;
}

void lock_context() {
  g_mutex.lock();
}

void unlock_context() {
  g_mutex.unlock();
}

void replace_context(ClientContext replacement) {
  auto fresh = std::make_shared<const ClientContext>(std::move(replacement));
  std::lock_guard lock(g_mutex);
  set_debug_enabled(fresh->env.debug);
  set_quiet(fresh->env.quiet);
  set_syslog_enabled(wants_syslog(*fresh));
  g_context = std::move(fresh);
  unreachable_servers().clear_all();  // the servers may be others now
}

}  // namespace socks4::client
