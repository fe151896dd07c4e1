// sockd: the SOCKS 4/4a server. Reads the options and the config, binds the listening sockets,
// becomes a daemon, drops privileges, then runs one event loop per worker thread while the
// main thread waits for signals (SIGTERM/SIGINT stop, SIGHUP reloads the config, SIGUSR1
// reopens the log file, SIGUSR2 is ignored).
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "check_mode.h"
#include "dns_lookup.h"
#include "libevent_ptr.h"
#include "listen_sockets.h"
#include "log.h"
#include "options.h"
#include "outbound_route.h"
#include "process.h"
#include "server_context.h"
#include "service_manager.h"
#include "stats/access.h"
#include "stats/collect.h"
#include "stats/http_listener.h"
#include "worker.h"

namespace sockd {
namespace {

enum ExitStatus { kExitOk = 0, kExitConfig = 1, kExitUsage = 2, kExitListen = 3 };

// Command-line settings that replace the file's (at start and at every reload).
void apply_overrides(const Options& options, socks4::conf::Config& config) {
  if (options.identd) config.settings.identd = *options.identd;
}

// The config to run with, or nullopt after printing its diagnostics.
std::optional<socks4::conf::Config> load_config(const Options& options) {
  std::optional<socks4::conf::Config> config;
  if (options.config_path.empty()) {
    config = socks4::conf::default_config();
  } else {
    socks4::conf::ParseOutcome outcome = socks4::conf::parse_file(options.config_path);
    for (const auto& diagnostic : outcome.errors)
      fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
    config = std::move(outcome.config);
  }
  if (config) apply_overrides(options, *config);
  return config;
}

std::vector<socks4::conf::ListenAddress> listen_addresses(const Options& options,
                                                          const socks4::conf::Config& config) {
  if (!options.listen.empty()) return options.listen;
  if (!config.settings.listen.empty()) return config.settings.listen;
  return {{"127.0.0.1", 1080}};
}

// --stats replaces the file's `stats` lines, as -l does `listen`.
std::vector<socks4::conf::ListenAddress> stats_addresses(const Options& options,
                                                         const socks4::conf::Config& config) {
  return options.stats.empty() ? config.settings.stats : options.stats;
}

int thread_count(const Options& options, const socks4::conf::Config& config) {
  int threads = options.threads.value_or(config.settings.threads);
  if (threads > 0) return threads;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int>(std::min<long>(cores, kMaxThreads)) : 1;
}

std::string listen_text(const std::vector<socks4::conf::ListenAddress>& addresses) {
  std::string text;
  for (const auto& address : addresses) {
    if (!text.empty()) text += " ";
    bool v6 = address.host.find(':') != std::string::npos;
    text += (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
    if (address.proxy_protocol) text += " proxy_protocol";
  }
  return text;
}

int check_config(const Options& options, const socks4::conf::Config& config) {
  const std::string name =
      options.config_path.empty() ? "built-in configuration" : options.config_path;
  if (!config.settings.user.empty() && !find_user(config.settings.user)) {
    fprintf(stderr, "%s: unknown user '%s' (the `user` directive)\n", name.c_str(),
            config.settings.user.c_str());
    return kExitConfig;
  }
  // sockd reads the file again at SIGHUP, by then as `user`.
  if (!config.settings.user.empty() && !options.config_path.empty()) {
    std::optional<std::string> path = absolute_path(options.config_path);
    if (path && !user_may_read(*path, config.settings.user))
      fprintf(stderr,
              "%s: warning: user '%s' cannot read this file: a reload (SIGHUP) after sockd "
              "changes to that user will fail; make it readable by the user or its group\n",
              name.c_str(), config.settings.user.c_str());
  }
  for (const std::string& problem : check_resolver_files(
           config.settings.resolv_conf, config.settings.hosts_file, unresolved_names_fate(config)))
    fprintf(stderr, "sockd: warning: %s\n", problem.c_str());
  printf("%s: OK: %zu rules; listen %s; %d threads\n", name.c_str(), config.rules.size(),
         listen_text(listen_addresses(options, config)).c_str(), thread_count(options, config));
  return kExitOk;
}

class Server {
 public:
  Server(const Options& options, socks4::conf::Config config)
      : options_(options), config_(std::move(config)) {}

  int run();

 private:
  static void on_signal(evutil_socket_t signal, short, void* arg);
  // SIGCHLD and a one-second tick: reap shell commands, kill those past their time limit.
  static void on_shell_tick(evutil_socket_t, short, void* arg);
  // SIGHUP: tells systemd, then reload_config().
  void reload();
  void reload_config();
  // Logs a start-up failure, tells the command that started the daemon, returns `status`.
  int fail(int status, const std::string& message);

  const Options& options_;
  socks4::conf::Config config_;  // the startup config (moved into the context once running)
  ServerContext context_;
  bool logging_to_syslog_ = false;
  StartupReport startup_report_;
  PidFile pid_file_;
  std::string ready_status_;  // systemd's STATUS= line
  std::vector<std::unique_ptr<Worker>> workers_;
  EventBasePtr base_;
  std::vector<EventPtr> signals_;
  EventPtr shell_tick_;
  std::vector<stats::StatsSocket> stats_sockets_;  // bound early, served once running
  stats::MainCounters stats_counters_;             // main thread: reloads, load time
  std::optional<stats::StatsListener> stats_;
};

// Startup failures also go to stderr when the log goes to syslog: someone is watching. A daemon
// sends them to the command that started it, which prints them and exits with `status`.
int Server::fail(int status, const std::string& message) {
  log::error("%s", message.c_str());
  std::string ignored;
  pid_file_.remove(&ignored);  // a sockd that did not start leaves no pid file
  if (startup_report_.active()) {
    startup_report_.failed(status, message);
  } else if (logging_to_syslog_) {
    fprintf(stderr, "sockd: %s\n", message.c_str());
  }
  return status;
}

int Server::run() {
  const auto& settings = config_.settings;
  log::Target target = settings.log == socks4::conf::LogTarget::kSyslog   ? log::Target::kSyslog
                       : settings.log == socks4::conf::LogTarget::kStderr ? log::Target::kStderr
                       : settings.log == socks4::conf::LogTarget::kFile
                           ? log::Target::kFile
                           : (options_.foreground ? log::Target::kStderr : log::Target::kSyslog);
  logging_to_syslog_ = target == log::Target::kSyslog;
  std::string error;
  if (target == log::Target::kFile && !log::open_file(settings.log_file, &error)) {
    return fail(kExitConfig, error);
  }
  log::use_json(settings.log_format == socks4::conf::LogFormat::kJson);
  if (!log::init(target, settings.syslog_facility, options_.debug))
    log::warning("unknown syslog facility '%s', using daemon", settings.syslog_facility.c_str());

  log::capture_libevent_messages();
  const int threads = thread_count(options_, config_);
  std::vector<BoundAddress> bound;
  // Socket activation: systemd's sockets replace `listen` and -l.
  const std::vector<int> passed = service_manager::passed_sockets();
  if (!passed.empty()) {
    if (!adopt_listen_sockets(passed, threads, config_.settings.listen, &bound, &error))
      return fail(kExitListen, error);
  } else if (!bind_listen_sockets(listen_addresses(options_, config_), threads, &bound, &error)) {
    return fail(kExitListen, error);
  }
  if (!stats::bind_stats_sockets(stats_addresses(options_, config_), &stats_sockets_, &error))
    return fail(kExitListen, error);
  if (!options_.foreground) {
    if (!daemonize(target == log::Target::kStderr, &startup_report_, &error)) {
      return fail(kExitConfig, error);
    }
    log::refresh_pid();
  }
  if (!options_.pid_file.empty() && !pid_file_.write(options_.pid_file, &error)) {
    return fail(kExitConfig, error);
  }
  if (!settings.user.empty() && !drop_privileges(settings.user, &error)) {
    return fail(kExitConfig, error);
  }

  const std::string source = options_.config_path.empty() ? "built-in" : options_.config_path;
  context_.use_splice = options_.use_splice;
  // Two per thread: when every worker refuses at once, one that loses a race for the freed
  // number still finds another.
  if (!context_.descriptor_reserve.fill(2 * static_cast<size_t>(threads)))
    log::warning(
        "cannot open /dev/null (%s): without a reserve, clients will wait unanswered "
        "when descriptors run out",
        strerror(errno));
  stats_counters_.started_unix = stats_counters_.config_loaded_unix = stats::unix_now();
  stats_counters_.config_source = source;
  context_.config.store(make_active_config(std::move(config_), source));
  for (int i = 0; i < threads; ++i) {
    std::vector<socks4::UniqueFd> sockets;
    std::vector<bool> proxy_protocol;
    for (auto& address : bound) {
      sockets.push_back(std::move(address.sockets[i]));
      proxy_protocol.push_back(address.proxy_protocol);
    }
    workers_.push_back(
        std::make_unique<Worker>(context_, i, std::move(sockets), std::move(proxy_protocol)));
    if (!workers_.back()->init(&error)) {
      return fail(kExitConfig, error);
    }
  }

  base_.reset(event_base_new());
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) {
    signals_.emplace_back(evsignal_new(base_.get(), signal, &Server::on_signal, this));
    if (!signals_.back() || event_add(signals_.back().get(), nullptr) != 0) {
      return fail(kExitConfig, "cannot install signal handlers");
    }
  }
  signals_.emplace_back(evsignal_new(base_.get(), SIGCHLD, &Server::on_shell_tick, this));
  shell_tick_.reset(event_new(base_.get(), -1, EV_PERSIST, &Server::on_shell_tick, this));
  const timeval second{1, 0};
  if (!signals_.back() || event_add(signals_.back().get(), nullptr) != 0 || !shell_tick_ ||
      event_add(shell_tick_.get(), &second) != 0) {
    return fail(kExitConfig, "cannot install the SIGCHLD handler");
  }
  if (!stats_sockets_.empty()) {
    stats_.emplace(
        base_.get(),
        [this](bool relays) { return stats::collect(workers_, context_, stats_counters_, relays); },
        [this] { return context_.config.load()->config.settings.stats_allow; });
    for (const auto& socket : stats_sockets_)
      log::info("stats: serving http://%s/ (/metrics, /status.json)", socket.address.c_str());
    if (!stats_->start(std::move(stats_sockets_), &error)) return fail(kExitListen, error);
  }
  // Last, once the pid file is written and the signal handlers are in place: scripts and
  // tests take this line to mean sockd is ready (a SIGHUP before it could have killed sockd).
  std::string addresses;
  for (const auto& address : bound) {
    log::info("listening on %s%s%s", address.endpoint.to_string().c_str(),
              passed.empty() ? "" : " (socket from systemd)",
              address.proxy_protocol ? " (PROXY protocol)" : "");
    addresses += (addresses.empty() ? "" : " ") + address.endpoint.to_string();
  }
  for (auto& worker : workers_) worker->start();
  startup_report_.ready();
  ready_status_ = "listening on " + addresses + ", " + std::to_string(threads) + " threads";
  service_manager::ready(ready_status_);
  log::debug("%d worker threads, %s relay", threads, options_.use_splice ? "splice" : "buffered");
  event_base_dispatch(base_.get());
  stats_.reset();  // no request may wait for a worker that is stopping

  // Every loop stops before any worker closes its connections: descriptor numbers are shared
  // by the whole process, and a running loop must never see a number another thread released.
  for (auto& worker : workers_) worker->request_stop();
  for (auto& worker : workers_) worker->join();
  workers_.clear();
  context_.shell.kill_all();
  if (!pid_file_.remove(&error))
    log::warning("%s: give `user` a directory it may write, such as /run/sockd", error.c_str());
  log::info("stopped");
  return kExitOk;
}

void Server::on_signal(evutil_socket_t signal, short, void* arg) {
  auto* self = static_cast<Server*>(arg);
  if (signal == SIGHUP) {
    self->reload();
    return;
  }
  if (signal == SIGUSR1) return log::reopen_on_sigusr1();
  if (signal == SIGUSR2) {  // its default action would stop sockd without a word
    log::info("SIGUSR2: ignored");
    return;
  }
  log::info("%s: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  service_manager::stopping();
  event_base_loopbreak(self->base_.get());
}

void Server::on_shell_tick(evutil_socket_t, short, void* arg) {
  static_cast<Server*>(arg)->context_.shell.tick();
}

void Server::reload() {
  service_manager::reloading();
  reload_config();
  service_manager::ready(ready_status_);
}

void Server::reload_config() {
  if (options_.config_path.empty()) {
    log::info("SIGHUP: no config file to re-read (running with the built-in configuration)");
    return;
  }
  socks4::conf::ParseOutcome outcome = socks4::conf::parse_file(options_.config_path);
  if (!outcome.config) {
    log::error("SIGHUP: %s has errors; keeping the old configuration",
               options_.config_path.c_str());
    for (const auto& diagnostic : outcome.errors) log::error("%s", diagnostic.to_string().c_str());
    ++stats_counters_.reloads_error;
    return;
  }
  apply_overrides(options_, *outcome.config);
  auto old = context_.config.load();
  const auto& before = old->config.settings;
  const auto& after = outcome.config->settings;
  if (before.listen != after.listen || before.threads != after.threads ||
      before.user != after.user || before.log != after.log ||
      before.syslog_facility != after.syslog_facility || before.log_file != after.log_file ||
      before.log_format != after.log_format) {
    log::warning("SIGHUP: changes to listen, threads, user and log take effect at restart");
  }
  if (auto problem = stats::config_problem(stats_addresses(options_, *outcome.config),
                                           outcome.config->settings.stats_allow)) {
    log::error("SIGHUP: %s: %s; keeping the old configuration", options_.config_path.c_str(),
               problem->c_str());
    ++stats_counters_.reloads_error;
    return;
  }
  if (before.stats != after.stats)
    log::warning("SIGHUP: changes to stats take effect at restart (stats_allow at once)");
  size_t rules = outcome.config->rules.size();
  context_.config.store(make_active_config(std::move(*outcome.config), options_.config_path));
  for (auto& worker : workers_) worker->request_reload();
  ++stats_counters_.reloads_ok;
  stats_counters_.config_loaded_unix = stats_counters_.last_reload_unix = stats::unix_now();
  log::info("SIGHUP: reloaded %s (%zu rules)", options_.config_path.c_str(), rules);
}

}  // namespace
}  // namespace sockd

int main(int argc, char** argv) {
  using namespace sockd;
  signal(SIGPIPE, SIG_IGN);
  OptionsParse parsed = parse_options({argv + 1, static_cast<size_t>(argc > 0 ? argc - 1 : 0)});
  if (!parsed.options) {
    fprintf(stderr, "sockd: %s\nTry 'sockd --help' for more information.\n", parsed.error.c_str());
    return kExitUsage;
  }
  Options& options = *parsed.options;
  if (options.help) {
    fputs(usage_text().c_str(), stdout);
    return kExitOk;
  }
  if (options.version) {
    printf("%.*s\n", static_cast<int>(kVersionLine.size()), kVersionLine.data());
    return kExitOk;
  }
  std::optional<socks4::conf::Config> config = load_config(options);
  if (!config) return kExitConfig;
  if (auto problem =
          stats::config_problem(stats_addresses(options, *config), config->settings.stats_allow)) {
    fprintf(stderr, "%s: %s\n", options.config_path.empty() ? "sockd" : options.config_path.c_str(),
            problem->c_str());
    return kExitConfig;
  }
  if (!options.check_request.empty()) {
    return run_check_request(*config,
                             options.config_path.empty() ? "built-in" : options.config_path,
                             options.check_request);
  }
  if (options.check) return check_config(options, *config);
  // The server reads its config again at every reload, after a daemon has moved to /.
  for (std::string* path : {&options.config_path, &options.pid_file}) {
    std::optional<std::string> absolute = absolute_path(*path);
    if (!absolute) {
      fprintf(stderr, "sockd: cannot resolve %s: %s\n", path->c_str(), strerror(errno));
      return kExitConfig;
    }
    *path = *absolute;
  }
  Server server(options, std::move(*config));
  return server.run();
}
